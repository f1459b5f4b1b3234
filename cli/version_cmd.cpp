// `vllmctl version`: version, git commit, CPU or CUDA build, and what this host offers.
#include "cli/commands.h"
#include "cli/common/build_info.h"
#include "engine/backend/device_probe.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vllmctl {

namespace {

std::string cuda_version_text(int v) {
  // CUDA encodes versions as 1000*major + 10*minor.
  return fmt::format("{}.{}", v / 1000, (v % 1000) / 10);
}

int run_version(bool as_json) {
  const BuildInfo& info = build_info();
  const CudaProbe probe = probe_cuda();
  if (as_json) {
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& d : probe.devices) {
      devices.push_back({{"index", d.index},
                         {"name", d.name},
                         {"compute_capability", fmt::format("{}.{}", d.cc_major, d.cc_minor)},
                         {"memory_bytes", d.total_memory_bytes}});
    }
    nlohmann::json out = {
        {"version", info.version},
        {"git_commit", info.git_commit},
        {"build", info.with_cuda ? "cuda" : "cpu"},
        {"cuda_build_version", info.cuda_version},
        {"cuda_driver_version",
         probe.driver_version > 0 ? cuda_version_text(probe.driver_version) : ""},
        {"cuda_usable", probe.usable},
        {"cuda_status", probe.status},
        {"devices", devices},
    };
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("vllmctl {} (commit {})\n", info.version, info.git_commit);
  if (info.with_cuda) {
    fmt::print("build:   CUDA {} (sm_75 to sm_90, PTX for newer) and CPU backends\n",
               info.cuda_version);
  } else {
    fmt::print("build:   CPU backend only (built without nvcc)\n");
  }
  if (probe.driver_version > 0) {
    fmt::print("driver:  CUDA {}\n", cuda_version_text(probe.driver_version));
  }
  fmt::print("gpu:     {}\n", probe.status);
  for (const auto& d : probe.devices) {
    fmt::print("  [{}] {} (compute {}.{}, {:.1f} GiB)\n", d.index, d.name, d.cc_major,
               d.cc_minor, static_cast<double>(d.total_memory_bytes) / (1ull << 30));
  }
  return 0;
}

}  // namespace

void add_version_command(CLI::App& parent, CliContext& ctx) {
  auto* cmd = parent.add_subcommand("version", "Print the version, build flavour and GPUs seen");
  auto as_json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *as_json, "Print JSON");
  ctx.on_run(cmd, [as_json] { return run_version(*as_json); });
}

}  // namespace vllmctl
