// Rendering the stack: StackConfig -> a template context -> the files of the stack
// directory (compose file, prometheus.yml and rules, Grafana provisioning and
// dashboards). Deterministic: the same config and runtime give the same bytes. Writing
// keeps hand edits (a manifest records what vllmctl wrote) unless forced, and creates the
// Grafana admin password once.
#pragma once

#include "cli/common/system.h"
#include "cli/stack/stack_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace vllmctl {

struct RenderedFile {
  std::filesystem::path path;  // relative to the stack directory
  std::string content;
};

// The files for `runtime` ("docker" or "native"), whose paths inside prometheus.yml point
// at `stack_dir` (native) or at the containers' mounts (docker).
std::vector<RenderedFile> render_stack(const StackConfig& config, const std::string& runtime,
                                       const std::filesystem::path& stack_dir);

struct WriteResult {
  std::vector<std::filesystem::path> changed;  // written because new or different
  bool secret_created = false;                 // the Grafana admin password was generated
};

// Writes `files` under `dir`. A file whose bytes differ from what vllmctl last wrote was
// edited by hand: without `force` nothing at all is written and std::runtime_error names
// each such file and the fix. The manifest is `.vllmctl-manifest.json`; the password
// `secrets/grafana_admin_password` (0600) is generated only when missing; HF_TOKEN, when
// set, goes to `secrets/hf_token` (0600).
WriteResult write_stack_files(const std::vector<RenderedFile>& files, const StackConfig& config,
                              const std::filesystem::path& dir, bool force, System& system);

}  // namespace vllmctl
