// builtin_demo_model and resolve_model_argument.
#include "cli/common/builtin_model.h"

#include "engine/model/demo_model.h"
#include "engine/model/model_source.h"

#include <fmt/format.h>

#include <cstdlib>
#include <unistd.h>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

bool complete_model_dir(const fs::path& dir) {
  return fs::is_regular_file(dir / "model.safetensors") && fs::is_regular_file(dir / "tokenizer_config.json");
}

}  // namespace

void publish_staged_model(const fs::path& staging, const fs::path& dir) {
  std::error_code ec;
  fs::rename(staging, dir, ec);
  if (!ec) return;
  // The name is taken. By another process that won the race: use its copy, and never
  // delete it (it may be loading from it). By an incomplete leftover: replace that.
  if (!complete_model_dir(dir)) {
    fs::remove_all(dir, ec);
    fs::rename(staging, dir, ec);
    if (!ec) return;
  }
  fs::remove_all(staging, ec);
}

fs::path builtin_demo_model() {
  fs::path cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    cache = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    cache = fs::path(home) / ".cache";
  } else {
    cache = fs::temp_directory_path() / fmt::format("vllmctl-{}", ::getuid());
  }
  const fs::path dir = cache / "vllmctl" / "demo-model";
  // The directory only ever appears by a rename of a complete copy.
  if (complete_model_dir(dir)) return dir;
  // Write beside, then swap in, so two processes starting at once never see half a model.
  const fs::path staging = dir.parent_path() / fmt::format(".demo-model.{}", ::getpid());
  fs::create_directories(dir.parent_path());
  DemoModelOptions options;
  options.out_dir = staging;
  options.force = true;
  write_demo_model(options);
  publish_staged_model(staging, dir);
  return dir;
}

fs::path resolve_model_argument(const std::string& spec, const std::string& revision,
                                const fs::path& download_dir) {
  if (spec.empty() || spec == "demo") return builtin_demo_model();
  ModelSourceOptions options;
  options.revision = revision;
  options.download_dir = download_dir;
  return resolve_model_source(spec, options).dir;
}

}  // namespace vllmctl
