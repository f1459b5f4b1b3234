// Reading vllmctl.toml into the options the command line and environment left unset.
#include "cli/common/config_file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace vllmctl {

namespace fs = std::filesystem;

std::optional<fs::path> find_config_file(const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    if (!fs::is_regular_file(explicit_path)) {
      throw std::runtime_error(fmt::format(
          "config file '{}' does not exist; pass an existing file to --config (or unset "
          "VLLMCTL_CONFIG)",
          explicit_path));
    }
    return fs::path(explicit_path);
  }
  std::vector<fs::path> candidates{"vllmctl.toml"};
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    candidates.emplace_back(fs::path(xdg) / "vllmctl" / "vllmctl.toml");
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    candidates.emplace_back(fs::path(home) / ".config" / "vllmctl" / "vllmctl.toml");
  }
  candidates.emplace_back("/etc/vllmctl/vllmctl.toml");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c;
  }
  return std::nullopt;
}

namespace {

std::string key_of(const CLI::Option* opt) {
  std::string name = opt->get_single_name();
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// A TOML scalar as the string CLI11 would have seen on the command line.
std::optional<std::string> scalar_text(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  if (node.is_integer()) return std::to_string(*node.value<int64_t>());
  if (node.is_floating_point()) return fmt::format("{}", *node.value<double>());
  return std::nullopt;
}

}  // namespace

toml::table parse_toml_file(const fs::path& file) {
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(fmt::format("{}:{}:{}: invalid TOML: {}", file.string(), e.source().begin.line,
                                         e.source().begin.column, e.description()));
  }
}

void apply_config_file(const fs::path& file, const std::vector<CLI::App*>& chain) {
  const toml::table root = parse_toml_file(file);

  // Walk to the command's table ([serve], [model.demo], ...). No table: nothing to apply.
  const toml::table* table = &root;
  std::string section;
  for (const CLI::App* app : chain) {
    section += (section.empty() ? "" : ".") + app->get_name();
    const toml::node* next = table->get(app->get_name());
    if (!next) return;
    table = next->as_table();
    if (!table) {
      throw std::runtime_error(fmt::format("{}: '{}' must be a table ([{}])", file.string(),
                                           section, section));
    }
  }

  CLI::App* command = chain.back();
  std::vector<CLI::Option*> options =
      command->get_options([](const CLI::Option* o) { return !o->get_lnames().empty(); });

  for (const auto& [key_view, node] : *table) {
    const std::string key(key_view.str());
    if (node.is_table()) continue;  // a nested command's table, e.g. [model.demo] under [model]
    auto it = std::find_if(options.begin(), options.end(),
                           [&](const CLI::Option* o) { return key_of(o) == key; });
    if (it == options.end()) {
      std::string valid;
      for (const CLI::Option* o : options) {
        if (key_of(o) == "help" || key_of(o) == "config") continue;
        valid += (valid.empty() ? "" : ", ") + key_of(o);
      }
      throw std::runtime_error(fmt::format("{}: unknown key '{}' in [{}]; valid keys: {}",
                                           file.string(), key, section, valid));
    }
    CLI::Option* opt = *it;
    if (opt->count() > 0) continue;  // the command line or environment already set it

    std::vector<std::string> values;
    if (const toml::array* arr = node.as_array()) {
      for (const toml::node& item : *arr) {
        auto text = scalar_text(item);
        if (!text) {
          throw std::runtime_error(fmt::format("{}: [{}] {}: array items must be scalars",
                                               file.string(), section, key));
        }
        values.push_back(*text);
      }
    } else if (auto text = scalar_text(node)) {
      values.push_back(*text);
    } else {
      throw std::runtime_error(fmt::format("{}: [{}] {}: expected a string, number or boolean",
                                           file.string(), section, key));
    }
    try {
      for (const auto& v : values) opt->add_result(v);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      throw std::runtime_error(
          fmt::format("{}: [{}] {}: {}", file.string(), section, key, e.what()));
    }
  }
}

}  // namespace vllmctl
