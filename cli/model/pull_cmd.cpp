// `vllmctl model pull ORG/NAME`: downloads a model repo into the Hugging Face cache
// (the huggingface_hub layout), drawing a progress bar on a terminal and plain log
// lines otherwise; prints the snapshot folder on stdout.
#include "cli/commands.h"
#include "cli/common/build_info.h"
#include "engine/model/hub_client.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace vllmctl {

namespace {

struct PullOptions {
  std::string model;
  std::string revision = "main";
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

// Draws one self-rewriting line on a terminal, at most 10 times a second.
class ProgressBar {
 public:
  void update(const PullProgress& p) {
    using Clock = std::chrono::steady_clock;
    const auto now = Clock::now();
    if (p.event == PullProgress::Event::kResolved) start_ = now;
    if (p.event == PullProgress::Event::kRetry) {
      clear();
      fmt::print(stderr, "retry: {}\n", p.message);
      return;
    }
    const bool final_event = p.event == PullProgress::Event::kFileDone &&
                             p.file_index + 1 == p.num_files;
    if (!final_event && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double fraction =
        p.total_bytes > 0 ? static_cast<double>(p.done_bytes) / static_cast<double>(p.total_bytes)
                          : 0.0;
    constexpr int kWidth = 28;
    const int filled = static_cast<int>(fraction * kWidth);
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0.2 ? static_cast<double>(p.done_bytes) / seconds : 0.0;
    std::string file = p.file.size() > 32 ? "..." + p.file.substr(p.file.size() - 29) : p.file;
    fmt::print(stderr, "\r\033[2K[{}{}] {:3.0f}% {} / {} {}/s  {} ({}/{})",
               std::string(filled, '#'), std::string(kWidth - filled, '.'), fraction * 100.0,
               human_bytes(p.done_bytes), human_bytes(p.total_bytes),
               human_bytes(static_cast<uint64_t>(rate)), file, p.file_index + 1, p.num_files);
    drawn_ = true;
    if (final_event) clear();
  }

  void clear() {
    if (drawn_) fmt::print(stderr, "\r\033[2K");
    drawn_ = false;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

// One line per file actually downloaded, for logs and pipes.
void log_progress(const PullProgress& p) {
  switch (p.event) {
    case PullProgress::Event::kResolved:
      fmt::print(stderr, "{}: commit {}, {} files, {}\n", p.repo_id, p.commit, p.num_files,
                 human_bytes(p.total_bytes));
      break;
    case PullProgress::Event::kFileStart:
      if (!p.cached) {
        fmt::print(stderr, "downloading {} ({}/{}, {})\n", p.file, p.file_index + 1, p.num_files,
                   human_bytes(p.file_total_bytes));
      }
      break;
    case PullProgress::Event::kRetry:
      fmt::print(stderr, "retry: {}\n", p.message);
      break;
    default:
      break;
  }
}

int run_pull(const PullOptions& opts) {
  HubSettings settings = hub_settings_from_env();
  settings.user_agent = fmt::format("vllmctl/{}", build_info().version);
  if (!opts.cache_dir.empty()) settings.cache_dir = opts.cache_dir;
  HubClient client(std::move(settings));

  PullProgressFn progress;
  auto bar = std::make_shared<ProgressBar>();
  if (::isatty(STDERR_FILENO)) {
    progress = [bar](const PullProgress& p) { bar->update(p); };
  } else {
    progress = log_progress;
  }
  PullResult result;
  try {
    result = client.pull(opts.model, opts.revision, progress);
  } catch (...) {
    bar->clear();
    throw;
  }
  bar->clear();
  if (result.from_cache) {
    fmt::print(stderr, "{} ({}) is already in the cache: commit {}, {} files, {}\n",
               result.repo_id, result.revision, result.commit, result.files.size(),
               human_bytes(result.size_bytes));
  } else {
    fmt::print(stderr, "pulled {} ({}): commit {}, {} files, {} (downloaded {})\n",
               result.repo_id, result.revision, result.commit, result.files.size(),
               human_bytes(result.size_bytes), human_bytes(result.downloaded_bytes));
  }
  std::fflush(stderr);
  fmt::print("{}\n", result.snapshot_dir.string());
  return 0;
}

}  // namespace

void add_model_pull_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand(
      "pull", "Download a model from the Hugging Face hub into the local cache");
  auto opts = std::make_shared<PullOptions>();
  cmd->add_option("model", opts->model, "Model id on the hub, ORG/NAME")->required();
  cmd->add_option("--revision", opts->revision, "Branch, tag or commit")
      ->capture_default_str();
  cmd->add_option("--cache-dir", opts->cache_dir,
                  "Hub cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub)");
  cmd->footer(
      "Environment: HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE.\n"
      "Prints the snapshot folder on stdout; a model complete in the cache needs no network.");
  ctx.on_run(cmd, [opts] { return run_pull(*opts); });
}

}  // namespace vllmctl
