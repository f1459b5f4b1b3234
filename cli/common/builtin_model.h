// The built-in demo model: `serve` and `bench` use it when no model is given. It is
// written once (deterministic, a few hundred KB) into the user's cache and reused.
#pragma once

#include <filesystem>
#include <string>

namespace vllmctl {

// $XDG_CACHE_HOME/vllmctl/demo-model (or ~/.cache/...; /tmp/vllmctl-<uid> without HOME),
// written first when it is missing or incomplete.
std::filesystem::path builtin_demo_model();

// Moves a complete model written at `staging` to `dir`. When `dir` already holds a
// complete model (another process got there first), that one stays untouched, even
// while it is being loaded, and `staging` is deleted; an incomplete `dir` is replaced.
void publish_staged_model(const std::filesystem::path& staging, const std::filesystem::path& dir);

// A local directory or ORG/NAME resolved through the hub cache; "" or "demo" is the
// built-in demo model. Throws std::runtime_error with a one-line message.
std::filesystem::path resolve_model_argument(const std::string& spec, const std::string& revision = "main",
                                             const std::filesystem::path& download_dir = {});

}  // namespace vllmctl
