// probe_cuda() for builds without nvcc: the answer is always "not built in".
#include "engine/backend/device_probe.h"

namespace vllmctl {

CudaProbe probe_cuda() {
  CudaProbe p;
  p.status = "not used: this build has no CUDA backend (rebuild with nvcc installed)";
  p.cublaslt = "not used by this build";
  return p;
}

}  // namespace vllmctl
