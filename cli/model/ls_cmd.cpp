// `vllmctl model ls`: what the Hugging Face cache holds: each model, its revisions
// and commits, files, size on disk, and whether the snapshot is complete.
#include "cli/commands.h"
#include "engine/model/hub_cache_scan.h"
#include "engine/model/hub_settings.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

namespace vllmctl {

namespace {

struct LsOptions {
  bool as_json = false;
  std::string cache_dir;
};

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

nlohmann::json to_json(const std::filesystem::path& root, const std::vector<CachedRepo>& repos) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& repo : repos) {
    nlohmann::json revisions = nlohmann::json::array();
    for (const auto& rev : repo.revisions) {
      revisions.push_back({{"commit", rev.commit},
                           {"refs", rev.refs},
                           {"snapshot_path", rev.snapshot_dir.string()},
                           {"files", rev.check.files},
                           {"num_files", rev.check.files.size()},
                           {"size_bytes", rev.check.size_bytes},
                           {"complete", rev.check.complete},
                           {"problem", rev.check.problem}});
    }
    list.push_back({{"repo_id", repo.repo_id},
                    {"path", repo.dir.string()},
                    {"size_on_disk_bytes", repo.size_on_disk_bytes},
                    {"incomplete_bytes", repo.incomplete_bytes},
                    {"revisions", revisions}});
  }
  return {{"cache_dir", root.string()}, {"repos", list}};
}

void print_table(const std::filesystem::path& root, const std::vector<CachedRepo>& repos) {
  if (repos.empty()) {
    fmt::print("no models in {}\n", root.string());
    return;
  }
  struct Row {
    std::string model, revision, commit, files, size, status;
  };
  std::vector<Row> rows;
  uint64_t total_bytes = 0;
  for (const auto& repo : repos) {
    total_bytes += repo.size_on_disk_bytes + repo.incomplete_bytes;
    if (repo.revisions.empty()) {
      rows.push_back({repo.repo_id, "-", "-", "0", human_bytes(repo.size_on_disk_bytes),
                      "no snapshot"});
    }
    for (const auto& rev : repo.revisions) {
      std::string status = rev.check.complete ? "complete" : "incomplete: " + rev.check.problem;
      if (repo.incomplete_bytes > 0) {
        status += fmt::format(" (+{} partial download)", human_bytes(repo.incomplete_bytes));
      }
      rows.push_back({repo.repo_id, rev.refs.empty() ? "-" : join(rev.refs),
                      rev.commit.substr(0, 12), std::to_string(rev.check.files.size()),
                      human_bytes(rev.check.size_bytes), status});
    }
  }
  Row header{"MODEL", "REVISION", "COMMIT", "FILES", "SIZE", "STATUS"};
  size_t w[5] = {header.model.size(), header.revision.size(), header.commit.size(),
                 header.files.size(), header.size.size()};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.model.size());
    w[1] = std::max(w[1], r.revision.size());
    w[2] = std::max(w[2], r.commit.size());
    w[3] = std::max(w[3], r.files.size());
    w[4] = std::max(w[4], r.size.size());
  }
  auto print_row = [&](const Row& r) {
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:>{}}  {:>{}}  {}\n", r.model, w[0], r.revision, w[1],
               r.commit, w[2], r.files, w[3], r.size, w[4], r.status);
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
  fmt::print("\n{} model(s), {} on disk in {}\n", repos.size(), human_bytes(total_bytes),
             root.string());
}

int run_ls(const LsOptions& opts) {
  std::filesystem::path root =
      opts.cache_dir.empty() ? hub_settings_from_env().cache_dir : std::filesystem::path(opts.cache_dir);
  const auto repos = scan_hub_cache(root);
  if (opts.as_json) {
    fmt::print("{}\n", to_json(root, repos).dump(2));
  } else {
    print_table(root, repos);
  }
  return 0;
}

}  // namespace

void add_model_ls_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand("ls", "List the models in the Hugging Face cache");
  auto opts = std::make_shared<LsOptions>();
  cmd->add_flag("--json", opts->as_json, "Print JSON");
  cmd->add_option("--cache-dir", opts->cache_dir,
                  "Hub cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub)");
  ctx.on_run(cmd, [opts] { return run_ls(*opts); });
}

}  // namespace vllmctl
