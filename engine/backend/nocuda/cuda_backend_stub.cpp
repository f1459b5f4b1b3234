// make_cuda_backend for builds without CUDA: says so.
#include "engine/backend/cuda_backend_factory.h"

#include <stdexcept>

namespace vllmctl {

bool cuda_backend_built() { return false; }

std::unique_ptr<Backend> make_cuda_backend(const ModelDir&, const CudaBackendOptions&) {
  throw std::runtime_error("the CUDA backend is not part of this build (built without nvcc); use --device cpu");
}

}  // namespace vllmctl
