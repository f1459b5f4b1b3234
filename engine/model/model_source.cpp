// resolve_model_source: local directory or hub id -> a folder of model files.
#include "engine/model/model_source.h"

#include "engine/model/hub_names.h"

#include <fmt/format.h>

#include <cstdlib>
#include <system_error>

namespace vllmctl {

namespace fs = std::filesystem;

namespace {

fs::path expand_home(const std::string& spec) {
  if (spec.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home != nullptr) return fs::path(home) / spec.substr(2);
  }
  return fs::path(spec);
}

}  // namespace

bool is_local_model_spec(const std::string& spec) {
  std::error_code ec;
  if (!spec.empty() && fs::is_directory(expand_home(spec), ec)) return true;
  return spec == "." || spec == ".." || spec.rfind('/', 0) == 0 || spec.rfind("./", 0) == 0 ||
         spec.rfind("../", 0) == 0 || spec.rfind("~/", 0) == 0;
}

ResolvedModel resolve_model_source(const std::string& spec, const ModelSourceOptions& options,
                                   HubSettings settings) {
  if (spec.empty()) throw std::runtime_error("no model given: pass a directory or ORG/NAME");
  if (is_local_model_spec(spec)) {
    const fs::path dir = expand_home(spec);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw std::runtime_error(fmt::format("model directory not found: {}", dir.string()));
    }
    ResolvedModel local;
    local.dir = fs::absolute(dir, ec);
    if (ec) local.dir = dir;
    return local;
  }
  validate_repo_id(spec);
  if (!options.download_dir.empty()) settings.cache_dir = options.download_dir;
  HubClient client(std::move(settings));
  PullResult pulled = client.pull(spec, options.revision, options.progress);
  ResolvedModel out;
  out.dir = pulled.snapshot_dir;
  out.repo_id = pulled.repo_id;
  out.commit = pulled.commit;
  out.downloaded = !pulled.from_cache;
  return out;
}

ResolvedModel resolve_model_source(const std::string& spec, const ModelSourceOptions& options) {
  return resolve_model_source(spec, options, hub_settings_from_env());
}

}  // namespace vllmctl
