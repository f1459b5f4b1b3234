// What CUDA can offer on this host, asked without failing when there is no driver,
// no GPU, or no CUDA in the build. Used by `version`, `serve --device auto` and doctor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vllmctl {

struct CudaDevice {
  int index = 0;
  std::string name;
  int cc_major = 0;
  int cc_minor = 0;
  uint64_t total_memory_bytes = 0;
};

struct CudaProbe {
  bool usable = false;     // at least one device with compute capability >= 7.5
  int driver_version = 0;  // 1000*major + 10*minor; 0 when no driver
  std::string status;      // "usable", or "none: why" / "unusable: why" / "not used: why"
  std::vector<CudaDevice> devices;
  // cuBLASLt, which the CUDA backend loads at run time for its GEMMs.
  bool cublaslt_found = false;
  std::string cublaslt;  // "libcublasLt.so.13 13.1.0", or why it could not be loaded
};

CudaProbe probe_cuda();

}  // namespace vllmctl
