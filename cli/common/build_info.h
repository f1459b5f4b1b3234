// What this binary is: version, git commit, and whether the CUDA backend was built.
// The definition is generated at build time (cmake/write_build_info.cmake).
#pragma once

namespace vllmctl {

struct BuildInfo {
  const char* version;
  const char* git_commit;    // "unknown" outside a git checkout; "-dirty" when modified
  bool with_cuda;            // the CUDA backend is compiled in
  const char* cuda_version;  // toolkit version it was built with; "" without CUDA
};

const BuildInfo& build_info();

}  // namespace vllmctl
