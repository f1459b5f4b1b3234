// probe_cuda() for CUDA builds: cudart is linked statically and finds libcuda.so.1 at
// run time, so on a host without a driver this reports why instead of failing to start.
#include "engine/backend/device_probe.h"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstddef>
#include <string>

namespace vllmctl {

namespace {

// Opens cuBLASLt the way CublasLtGemm does (the CUDA 13 soname only) and asks its version.
void probe_cublaslt(CudaProbe& p) {
  const char* name = "libcublasLt.so.13";
  void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* e = dlerror();
    p.cublaslt = std::string(name) + " not found (" + (e ? e : "dlopen failed") +
                 "); install CUDA 13's cuBLAS (e.g. libcublas-13-0) or add its lib64 to LD_LIBRARY_PATH";
    return;
  }
  using GetVersion = size_t (*)();
  auto get_version = reinterpret_cast<GetVersion>(dlsym(lib, "cublasLtGetVersion"));
  if (get_version == nullptr) {
    p.cublaslt = std::string(name) + " has no cublasLtGetVersion (not cuBLASLt?)";
  } else {
    const size_t v = get_version();  // major * 10000 + minor * 100 + patch
    p.cublaslt = std::string(name) + " " + std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
                 std::to_string(v % 100);
    p.cublaslt_found = v / 10000 == 13;
    if (!p.cublaslt_found) p.cublaslt += " is not CUDA 13's cuBLASLt; install libcublas-13-0";
  }
  dlclose(lib);
}

}  // namespace

CudaProbe probe_cuda() {
  CudaProbe p;
  probe_cublaslt(p);
  int driver = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
    p.status = "none: no NVIDIA driver found (libcuda.so.1)";
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
    p.status = "none: the driver reports no GPU";
  } else if (!p.usable) {
    p.status = "unusable: no GPU has compute capability 7.5 or newer (CUDA 13's floor)";
  } else {
    p.status = "usable";
  }
  return p;
}

}  // namespace vllmctl
