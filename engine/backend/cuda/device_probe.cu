// probe_cuda() for CUDA builds: cudart is linked statically and finds libcuda.so.1 at
// run time, so on a host without a driver this reports why instead of failing to start.
#include "engine/backend/device_probe.h"

#include <cuda_runtime.h>

#include <string>

namespace vllmctl {

CudaProbe probe_cuda() {
  CudaProbe p;
  int driver = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
    p.status = "none: no NVIDIA driver found (libcuda.so.1); the CPU backend is used";
    return p;
  }
  p.driver_version = driver;
  int runtime = 0;
  cudaRuntimeGetVersion(&runtime);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    p.status = std::string("unusable: ") + cudaGetErrorString(err) +
               (driver < runtime ? " (the driver is older than this build's CUDA; update it)" : "");
    cudaGetLastError();
    return p;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    p.devices.push_back({i, prop.name, prop.major, prop.minor,
                         static_cast<uint64_t>(prop.totalGlobalMem)});
    if (prop.major * 10 + prop.minor >= 75) p.usable = true;
  }
  if (p.devices.empty()) {
    p.status = "none: the driver reports no GPU; the CPU backend is used";
  } else if (!p.usable) {
    p.status = "unusable: no GPU has compute capability 7.5 or newer (CUDA 13's floor)";
  } else {
    p.status = "usable";
  }
  return p;
}

}  // namespace vllmctl
