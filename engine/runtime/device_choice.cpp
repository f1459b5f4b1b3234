// choose_device: the order of the checks is the order a person would fix them in.
#include "engine/runtime/device_choice.h"

#include <fmt/format.h>

#include <stdexcept>

namespace vllmctl {

namespace {

// The first GPU with compute capability 7.5 or newer, or nullptr.
const CudaDevice* first_usable_gpu(const CudaProbe& probe) {
  for (const CudaDevice& d : probe.devices) {
    if (d.cc_major * 10 + d.cc_minor >= 75) return &d;
  }
  return nullptr;
}

}  // namespace

void check_device_name(const std::string& requested) {
  if (requested != "auto" && requested != "cpu" && requested != "cuda") {
    throw std::runtime_error(fmt::format("--device '{}' is not one of auto, cpu, cuda", requested));
  }
}

DeviceChoice choose_device(const std::string& requested, const DeviceFacts& facts) {
  check_device_name(requested);
  if (requested == "cpu") return {"cpu", "--device cpu was given"};

  // Why CUDA cannot be used, or "" when it can.
  std::string blocker;
  if (!facts.cuda_backend_built) {
    blocker = "this build has no CUDA backend (it was built without nvcc)";
  } else if (!facts.probe.usable) {
    // "none: no NVIDIA driver found" -> "no usable GPU: no NVIDIA driver found"
    const std::string& st = facts.probe.status;
    const size_t colon = st.find(": ");
    blocker = fmt::format("no usable GPU: {}", colon == std::string::npos ? st : st.substr(colon + 2));
  } else if (!facts.probe.cublaslt_found) {
    blocker = fmt::format("cuBLASLt is missing: {}", facts.probe.cublaslt);
  } else if (!facts.model_unsupported.empty()) {
    blocker = fmt::format("the CUDA backend cannot run this model: {}", facts.model_unsupported);
  }
  const CudaDevice* gpu = first_usable_gpu(facts.probe);
  if (blocker.empty() && gpu == nullptr) blocker = "no GPU with compute capability 7.5 or newer";
  if (requested == "cuda") {
    if (!blocker.empty()) throw std::runtime_error(fmt::format("--device cuda: {}; use --device cpu", blocker));
    return {"cuda", fmt::format("--device cuda was given; GPU {} ({}, compute {}.{})", gpu->index, gpu->name,
                                gpu->cc_major, gpu->cc_minor),
            gpu->index};
  }
  if (!blocker.empty()) return {"cpu", blocker};
  return {"cuda", fmt::format("GPU {} ({}, compute {}.{}) with {}", gpu->index, gpu->name, gpu->cc_major, gpu->cc_minor,
                              facts.probe.cublaslt),
          gpu->index};
}

}  // namespace vllmctl
