// Where a model's files come from, for `serve MODEL` and friends: a local directory
// is used as it is; an ORG/NAME hub id becomes its snapshot folder in the hub cache,
// downloaded first when it is not complete there (unless offline).
#pragma once

#include "engine/model/hub_client.h"
#include "engine/model/hub_settings.h"

#include <filesystem>
#include <string>

namespace vllmctl {

struct ModelSourceOptions {
  std::string revision = "main";  // for hub ids only
  std::filesystem::path download_dir;  // hub cache override; empty: from the environment
  PullProgressFn progress;             // download progress, when one happens
};

struct ResolvedModel {
  std::filesystem::path dir;   // the folder with config.json, tokenizer and weights
  std::string repo_id;         // empty for a local directory
  std::string commit;          // empty for a local directory
  bool downloaded = false;     // true when this call fetched files
};

// True when `spec` names a local path rather than a hub id: it exists as a directory,
// or starts with '/', "./", "../", "~/" or is "." / "..".
bool is_local_model_spec(const std::string& spec);

// Resolves `spec` as described above, with hub settings from `settings` (cache_dir
// replaced by options.download_dir when set). Throws std::runtime_error with a
// one-line message: a missing local folder, an invalid id, or a hub failure.
ResolvedModel resolve_model_source(const std::string& spec, const ModelSourceOptions& options,
                                   HubSettings settings);

// The same with settings from the environment (hub_settings_from_env()).
ResolvedModel resolve_model_source(const std::string& spec, const ModelSourceOptions& options = {});

}  // namespace vllmctl
