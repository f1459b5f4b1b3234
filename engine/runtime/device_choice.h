// choose_device: which backend `serve --device auto|cpu|cuda` runs on, and why, decided
// from facts gathered beforehand (so tests can hand it any host). For auto, "cuda" is
// provisional: load_engine still runs the CUDA self-check (cuda_self_check.h) and falls
// back to the CPU when it fails.
#pragma once

#include "engine/backend/device_probe.h"

#include <string>

namespace vllmctl {

struct DeviceFacts {
  CudaProbe probe;                 // GPUs, driver, cuBLASLt
  bool cuda_backend_built = false;
  std::string model_unsupported;   // non-empty: why the CUDA backend cannot run the model
};

struct DeviceChoice {
  std::string device;   // "cpu" or "cuda"
  std::string reason;   // a sentence for the log and `vllmctl version`
  int cuda_device = 0;  // for "cuda": the first GPU with compute capability 7.5 or newer
};

// Throws std::runtime_error when `requested` is not auto/cpu/cuda, or is cuda and the CUDA
// backend cannot run here (the message says why and what to do).
DeviceChoice choose_device(const std::string& requested, const DeviceFacts& facts);

// Throws std::runtime_error naming the value unless it is auto, cpu or cuda.
void check_device_name(const std::string& requested);

}  // namespace vllmctl
