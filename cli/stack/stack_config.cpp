// Loading the stack config: TOML tables with strict keys, the .env layer, flags, and
// validation that names the key and the fix.
#include "cli/stack/stack_config.h"

#include "cli/common/config_file.h"

#include "cli/stack/prometheus_targets.h"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace vllmctl {

namespace {

namespace fs = std::filesystem;

class Source {
 public:
  explicit Source(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw std::runtime_error(fmt::format("{}{}: {}", file_.empty() ? "" : file_ + ": ", key, problem));
  }

  // Every key of `table` must be one of `valid` (sub-tables listed there too).
  void check_keys(const toml::table& table, const std::string& section, std::initializer_list<const char*> valid) const {
    for (const auto& [key, node] : table) {
      const std::string k(key.str());
      if (std::none_of(valid.begin(), valid.end(), [&](const char* v) { return k == v; })) {
        std::string list;
        for (const char* v : valid) list += (list.empty() ? "" : ", ") + std::string(v);
        fail(section + "." + k, fmt::format("unknown key; valid keys in [{}]: {}", section, list));
      }
    }
  }

  void get(const toml::table& t, const std::string& section, const char* key, std::string& out) const {
    if (const toml::node* n = t.get(key)) {
      if (!n->is_string()) fail(section + "." + key, "expected a string");
      out = n->value<std::string>().value_or("");
    }
  }
  void get(const toml::table& t, const std::string& section, const char* key, int& out) const {
    if (const toml::node* n = t.get(key)) {
      if (!n->is_integer()) fail(section + "." + key, "expected an integer");
      out = static_cast<int>(n->value<int64_t>().value_or(0));
    }
  }
  void get(const toml::table& t, const std::string& section, const char* key, double& out) const {
    if (const toml::node* n = t.get(key)) {
      if (!n->is_number()) fail(section + "." + key, "expected a number");
      out = n->value<double>().value_or(0.0);
    }
  }
  void get(const toml::table& t, const std::string& section, const char* key, bool& out) const {
    if (const toml::node* n = t.get(key)) {
      if (!n->is_boolean()) fail(section + "." + key, "expected true or false");
      out = n->value<bool>().value_or(false);
    }
  }
  void get(const toml::table& t, const std::string& section, const char* key, std::vector<std::string>& out) const {
    if (const toml::node* n = t.get(key)) {
      const toml::array* arr = n->as_array();
      if (!arr) fail(section + "." + key, "expected an array of strings");
      out.clear();
      for (const toml::node& item : *arr) {
        if (!item.is_string()) fail(section + "." + key, "expected an array of strings");
        out.push_back(item.value<std::string>().value_or(""));
      }
    }
  }

 private:
  std::string file_;
};

void parse_target(const toml::table& t, const Source& src, size_t index, StackTarget& out) {
  const std::string section = fmt::format("stack.targets[{}]", index);
  src.check_keys(t, section, {"name", "url", "labels", "bearer_token_file", "basic_auth_user",
                              "basic_auth_password_file", "tls_ca_file", "tls_cert_file", "tls_key_file",
                              "tls_server_name", "tls_insecure_skip_verify"});
  src.get(t, section, "name", out.name);
  src.get(t, section, "url", out.url);
  src.get(t, section, "bearer_token_file", out.bearer_token_file);
  src.get(t, section, "basic_auth_user", out.basic_auth_user);
  src.get(t, section, "basic_auth_password_file", out.basic_auth_password_file);
  src.get(t, section, "tls_ca_file", out.tls_ca_file);
  src.get(t, section, "tls_cert_file", out.tls_cert_file);
  src.get(t, section, "tls_key_file", out.tls_key_file);
  src.get(t, section, "tls_server_name", out.tls_server_name);
  src.get(t, section, "tls_insecure_skip_verify", out.tls_insecure_skip_verify);
  if (const toml::node* n = t.get("labels")) {
    const toml::table* labels = n->as_table();
    if (!labels) src.fail(section + ".labels", "expected a table, e.g. labels = { model = \"qwen\" }");
    for (const auto& [k, v] : *labels) {
      if (!v.is_string()) src.fail(fmt::format("{}.labels.{}", section, k.str()), "label values must be strings");
      out.labels[std::string(k.str())] = v.value<std::string>().value_or("");
    }
  }
}

void read_toml(const fs::path& file, StackConfig& c) {
  const Source src(file.string());
  const toml::table root = parse_toml_file(file);
  if (const toml::node* n = root.get("stack")) {
    const toml::table* s = n->as_table();
    if (!s) src.fail("stack", "must be a table ([stack])");
    src.check_keys(*s, "stack", {"directory", "runtime", "scrape_interval", "prometheus_retention",
                                 "long_term_retention", "bind", "prometheus_port", "grafana_port",
                                 "victoriametrics_port", "dcgm_exporter", "alerts", "targets"});
    std::string dir;
    src.get(*s, "stack", "directory", dir);
    if (!dir.empty()) c.directory = dir;
    src.get(*s, "stack", "runtime", c.runtime);
    src.get(*s, "stack", "scrape_interval", c.scrape_interval);
    src.get(*s, "stack", "prometheus_retention", c.prometheus_retention);
    src.get(*s, "stack", "long_term_retention", c.long_term_retention);
    src.get(*s, "stack", "bind", c.bind);
    src.get(*s, "stack", "prometheus_port", c.prometheus_port);
    src.get(*s, "stack", "grafana_port", c.grafana_port);
    src.get(*s, "stack", "victoriametrics_port", c.victoriametrics_port);
    src.get(*s, "stack", "dcgm_exporter", c.dcgm_exporter);
    if (const toml::node* a = s->get("alerts")) {
      const toml::table* at = a->as_table();
      if (!at) src.fail("stack.alerts", "must be a table ([stack.alerts])");
      src.check_keys(*at, "stack.alerts", {"ttft_p95_seconds", "kv_cache_usage", "queue_waiting"});
      src.get(*at, "stack.alerts", "ttft_p95_seconds", c.alerts.ttft_p95_seconds);
      src.get(*at, "stack.alerts", "kv_cache_usage", c.alerts.kv_cache_usage);
      src.get(*at, "stack.alerts", "queue_waiting", c.alerts.queue_waiting);
    }
    if (const toml::node* tn = s->get("targets")) {
      const toml::array* arr = tn->as_array();
      if (!arr) src.fail("stack.targets", "must be an array of tables ([[stack.targets]])");
      for (size_t i = 0; i < arr->size(); ++i) {
        const toml::table* t = (*arr)[i].as_table();
        if (!t) src.fail(fmt::format("stack.targets[{}]", i), "must be a table ([[stack.targets]])");
        StackTarget target;
        parse_target(*t, src, i, target);
        c.targets.push_back(std::move(target));
      }
    }
  }
  if (const toml::node* n = root.get("vllm")) {
    const toml::table* v = n->as_table();
    if (!v) src.fail("vllm", "must be a table ([vllm])");
    src.check_keys(*v, "vllm", {"enabled", "image", "version", "model", "port", "max_model_len",
                                "gpu_memory_utilization", "dtype", "hf_token_file", "gpus", "model_cache",
                                "extra_args"});
    auto& s = c.vllm;
    src.get(*v, "vllm", "enabled", s.enabled);
    src.get(*v, "vllm", "image", s.image);
    src.get(*v, "vllm", "version", s.version);
    src.get(*v, "vllm", "model", s.model);
    src.get(*v, "vllm", "port", s.port);
    src.get(*v, "vllm", "max_model_len", s.max_model_len);
    src.get(*v, "vllm", "gpu_memory_utilization", s.gpu_memory_utilization);
    src.get(*v, "vllm", "dtype", s.dtype);
    src.get(*v, "vllm", "hf_token_file", s.hf_token_file);
    src.get(*v, "vllm", "gpus", s.gpus);
    src.get(*v, "vllm", "model_cache", s.model_cache);
    src.get(*v, "vllm", "extra_args", s.extra_args);
  }
}

// KEY=VALUE lines (# comments, optional quotes, optional `export `), as docker compose reads .env.
std::map<std::string, std::string> parse_env_file(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = value.substr(0, hash);
    }
    out[key] = value;
  }
  return out;
}

// The seed guide's variables: the environment wins over the .env file. Returns VLLM_HOST
// when it names a host (not a wildcard address), for the default target.
std::optional<std::string> apply_env(const std::map<std::string, std::string>& file_vars, System& system,
                                     StackConfig& c) {
  auto var = [&](const char* name) -> std::optional<std::string> {
    if (auto v = system.getenv(name)) return v;
    if (auto it = file_vars.find(name); it != file_vars.end()) return it->second;
    return std::nullopt;
  };
  auto number = [&](const char* name, auto& out) {
    if (auto v = var(name)) {
      try {
        size_t used = 0;
        if constexpr (std::is_same_v<std::decay_t<decltype(out)>, int>) {
          out = std::stoi(*v, &used);
        } else {
          out = std::stod(*v, &used);
        }
        if (used != v->size()) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        throw std::runtime_error(fmt::format("{}: '{}' is not a number", name, *v));
      }
    }
  };
  if (auto v = var("VLLM_IMAGE_VERSION")) c.vllm.version = *v;
  if (auto v = var("VLLM_MODEL")) c.vllm.model = *v;
  if (auto v = var("VLLM_DTYPE")) c.vllm.dtype = *v;
  if (auto v = var("HF_TOKEN")) c.vllm.hf_token = *v;
  number("VLLM_MAX_MODEL_LEN", c.vllm.max_model_len);
  number("VLLM_GPU_MEMORY_UTILIZATION", c.vllm.gpu_memory_utilization);
  number("VLLM_PORT", c.vllm.port);
  if (auto v = var("VLLM_HOST"); v && !v->empty() && *v != "0.0.0.0" && *v != "::") return v;
  return std::nullopt;
}

void parse_url(const Source& src, const std::string& key, StackTarget& t) {
  static const std::regex re(R"(^(https?)://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?(/[^\s?#]*)?$)");
  std::smatch m;
  if (!std::regex_match(t.url, m, re)) {
    src.fail(key, fmt::format("'{}' is not an http(s) URL; write it like \"http://127.0.0.1:8000\"", t.url));
  }
  t.scheme = m[1];
  t.host = m[2];
  t.port = m[3].matched ? std::stoi(m[3]) : (t.scheme == "https" ? 443 : 80);
  if (t.port < 1 || t.port > 65535) src.fail(key, fmt::format("port {} is out of range (1-65535)", t.port));
  const std::string path = m[4].matched ? std::string(m[4]) : "";
  t.metrics_path = path.empty() || path == "/" ? "/metrics" : path;
}

bool is_prometheus_duration(const std::string& s) { return parse_duration(s).count() > 0; }

void validate(StackConfig& c, const Source& src) {
  if (c.runtime != "auto" && c.runtime != "docker" && c.runtime != "native") {
    src.fail("stack.runtime", fmt::format("'{}' is not a runtime; use auto, docker or native", c.runtime));
  }
  for (auto [key, value] : {std::pair{"stack.scrape_interval", &c.scrape_interval},
                            std::pair{"stack.prometheus_retention", &c.prometheus_retention}}) {
    if (!is_prometheus_duration(*value)) {
      src.fail(key, fmt::format("'{}' is not a duration; write it like \"15s\", \"1m\" or \"15d\"", *value));
    }
  }
  static const std::regex retention(R"(^([1-9][0-9]*)(mo|h|d|w|y)?$)");
  std::smatch m;
  if (!std::regex_match(c.long_term_retention, m, retention) ||
      (m[2] == "h" && std::stoi(m[1]) < 24)) {
    src.fail("stack.long_term_retention",
             fmt::format("'{}' is not a retention period; write months as \"12mo\" (or a bare 12), or \"90d\", \"52w\", "
                         "\"1y\" (at least 24h)",
                         c.long_term_retention));
  }
  in6_addr addr{};
  if (inet_pton(AF_INET, c.bind.c_str(), &addr) != 1 && inet_pton(AF_INET6, c.bind.c_str(), &addr) != 1) {
    src.fail("stack.bind", fmt::format("'{}' is not an IP address; use 127.0.0.1 (this host only) or 0.0.0.0", c.bind));
  }
  std::set<int> ports;
  for (auto [key, port] : {std::pair{"stack.prometheus_port", c.prometheus_port}, std::pair{"stack.grafana_port", c.grafana_port},
                           std::pair{"stack.victoriametrics_port", c.victoriametrics_port}}) {
    if (port < 1 || port > 65535) src.fail(key, fmt::format("{} is out of range (1-65535)", port));
    if (!ports.insert(port).second) src.fail(key, fmt::format("port {} is used twice; give each service its own", port));
  }
  if (!(c.alerts.kv_cache_usage > 0 && c.alerts.kv_cache_usage <= 1)) {
    src.fail("stack.alerts.kv_cache_usage", "must be a fraction in (0, 1], e.g. 0.9");
  }
  if (!(c.alerts.ttft_p95_seconds > 0)) src.fail("stack.alerts.ttft_p95_seconds", "must be positive, e.g. 2.0");
  if (c.alerts.queue_waiting < 1) src.fail("stack.alerts.queue_waiting", "must be at least 1");

  static const std::regex name_re(R"(^[A-Za-z0-9][A-Za-z0-9_.-]*$)");
  static const std::regex label_re(R"(^[a-zA-Z_][a-zA-Z0-9_]*$)");
  std::set<std::string> names, addresses;
  for (size_t i = 0; i < c.targets.size(); ++i) {
    StackTarget& t = c.targets[i];
    const std::string key = fmt::format("stack.targets[{}]", i);
    if (t.name.empty()) src.fail(key + ".name", "missing; every target needs a name, e.g. name = \"local\"");
    if (!std::regex_match(t.name, name_re)) {
      src.fail(key + ".name", fmt::format("'{}': use letters, digits, '.', '_' and '-'", t.name));
    }
    if (!names.insert(t.name).second) src.fail(key + ".name", fmt::format("'{}' is used twice; names must be unique", t.name));
    if (t.url.empty()) src.fail(key + ".url", "missing; e.g. url = \"http://host.docker.internal:8000\"");
    parse_url(src, key + ".url", t);
    if (!addresses.insert(fmt::format("{}:{}{}", t.host, t.port, t.metrics_path)).second) {
      src.fail(key + ".url", fmt::format("'{}' is scraped by another target already", t.url));
    }
    for (const auto& [label, value] : t.labels) {
      if (!std::regex_match(label, label_re) || label.rfind("__", 0) == 0 || label == "job" || label == "instance") {
        src.fail(fmt::format("{}.labels.{}", key, label),
                 "not a usable label name (letters, digits, '_'; not job, instance or __*)");
      }
    }
    if (!t.basic_auth_user.empty() && t.basic_auth_password_file.empty()) {
      src.fail(key + ".basic_auth_password_file", "basic_auth_user needs a password file");
    }
    if (!t.bearer_token_file.empty() && !t.basic_auth_user.empty()) {
      src.fail(key + ".bearer_token_file", "use either a bearer token or basic auth, not both");
    }
  }
  if (c.vllm.enabled && c.runtime == "native") {
    src.fail("vllm.enabled", "the containerized vLLM service needs the docker runtime; set runtime = \"docker\" or "
                             "run `vllmctl serve` yourself");
  }
  if (!(c.vllm.gpu_memory_utilization > 0 && c.vllm.gpu_memory_utilization <= 1)) {
    src.fail("vllm.gpu_memory_utilization", "must be in (0, 1], e.g. 0.9");
  }
}

fs::path default_directory(System& system) {
  if (auto xdg = system.getenv("XDG_DATA_HOME"); xdg && !xdg->empty()) return fs::path(*xdg) / "vllmctl" / "stack";
  if (auto home = system.getenv("HOME"); home && !home->empty()) {
    return fs::path(*home) / ".local" / "share" / "vllmctl" / "stack";
  }
  return "/var/lib/vllmctl/stack";
}

fs::path expand_home(const fs::path& p, System& system) {
  const std::string s = p.string();
  if (s == "~" || s.rfind("~/", 0) == 0) {
    if (auto home = system.getenv("HOME")) return fs::path(*home) / s.substr(std::min<size_t>(2, s.size()));
  }
  return p;
}

}  // namespace

StackConfig load_stack_config(const std::optional<fs::path>& toml_file, const StackFlags& flags, System& system) {
  StackConfig c;
  c.directory = default_directory(system);
  if (toml_file) read_toml(*toml_file, c);
  std::map<std::string, std::string> env_file_vars;
  if (auto text = system.read_file(flags.env_file)) env_file_vars = parse_env_file(*text);
  const std::string host = apply_env(env_file_vars, system, c).value_or("host.docker.internal");

  if (!flags.runtime.empty()) c.runtime = flags.runtime;
  if (!flags.directory.empty()) c.directory = flags.directory;
  c.directory = expand_home(c.directory, system);
  if (!flags.targets.empty()) {
    c.targets.clear();
    for (size_t i = 0; i < flags.targets.size(); ++i) {
      StackTarget t;
      t.name = flags.targets.size() == 1 ? "local" : fmt::format("target{}", i + 1);
      t.url = flags.targets[i];
      c.targets.push_back(std::move(t));
    }
  }
  // The containerized vLLM is always scraped (by its service name); with no target at
  // all, the stack watches one server on this host.
  const bool vllm_listed = std::any_of(c.targets.begin(), c.targets.end(), [](const StackTarget& t) {
    return t.url.find("://vllm:") != std::string::npos;
  });
  if (c.vllm.enabled && !vllm_listed) {
    StackTarget t;
    t.name = "vllm";
    t.url = fmt::format("http://vllm:{}", c.vllm.port);
    c.targets.push_back(std::move(t));
  }
  if (c.targets.empty()) {
    StackTarget t;
    t.name = "local";
    t.url = fmt::format("http://{}:{}", host, c.vllm.port);
    c.targets.push_back(std::move(t));
  }
  const Source src(toml_file ? toml_file->string() : std::string());
  validate(c, src);
  return c;
}

std::string local_host(const StackConfig& c) {
  if (c.bind == "0.0.0.0") return "127.0.0.1";
  if (c.bind == "::") return "127.0.0.1";  // a dual-stack wildcard takes IPv4 loopback too
  return c.bind.find(':') != std::string::npos ? "[" + c.bind + "]" : c.bind;
}

std::string local_url(const StackConfig& c, int port) { return fmt::format("http://{}:{}", local_host(c), port); }

std::string victoriametrics_retention(const std::string& r) {
  if (r.size() > 2 && r.compare(r.size() - 2, 2, "mo") == 0) return r.substr(0, r.size() - 2);
  return r;
}

}  // namespace vllmctl
