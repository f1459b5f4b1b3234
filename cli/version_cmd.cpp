// `vllmctl version`: version, git commit, CPU or CUDA build, and what this host offers.
#include "cli/commands.h"
#include "cli/common/build_info.h"
#include "engine/backend/cuda_backend_factory.h"
#include "engine/backend/device_probe.h"
#include "engine/runtime/device_choice.h"

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
  // What `serve --device auto` would pick for a model the CUDA backend supports; serve
  // also checks the model's shape and runs the CUDA self-check before using the GPU.
  const DeviceChoice auto_choice = choose_device("auto", DeviceFacts{probe, cuda_backend_built(), {}});
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
        {"cublaslt_found", probe.cublaslt_found},
        {"cublaslt", probe.cublaslt},
        {"devices", devices},
        {"auto_device", auto_choice.device},
        {"auto_device_reason", auto_choice.reason},
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
  if (info.with_cuda) fmt::print("cublas:  {}\n", probe.cublaslt);
  fmt::print("backend: serve --device auto uses {}: {}\n", auto_choice.device == "cuda" ? "the GPU" : "the CPU",
             auto_choice.reason);
  if (auto_choice.device == "cuda") {
    fmt::print("         (for models with head_dim 64 or 128, after a start-up self-check against the CPU)\n");
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
