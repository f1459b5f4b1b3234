// Embedding gather on the GPU: one block per token copies its row, 16 bytes per thread
// per step when the row allows it (a pure copy, so dtype only sets the byte count).
#include "kernels/device_common.cuh"
#include "kernels/embedding.h"

namespace vllmctl::kernels {
namespace {

// W: the copy unit (uint4 = 16 bytes, or 2 bytes for odd rows); row_units: row length in W.
template <class W>
__global__ void embedding_kernel(W* __restrict__ out, const W* __restrict__ table,
                                 const int32_t* __restrict__ ids, int64_t row_units) {
  const int64_t t = blockIdx.x;
  const W* src = table + static_cast<int64_t>(ids[t]) * row_units;
  W* dst = out + t * row_units;
  for (int64_t i = threadIdx.x; i < row_units; i += blockDim.x) dst[i] = src[i];
}

}  // namespace

namespace cuda {

void embedding(void* out, const void* table, const int32_t* ids, int num_tokens, int hidden,
               DType dtype, cudaStream_t stream) {
  using device::require;
  require(num_tokens >= 0, "embedding", "num_tokens", num_tokens);
  require(hidden > 0, "embedding", "hidden", hidden);
  if (num_tokens == 0) return;
  const int64_t row_bytes = static_cast<int64_t>(hidden) * dtype_size(dtype);
  if (row_bytes % 16 == 0 && device::aligned16(out) && device::aligned16(table)) {
    const int64_t units = row_bytes / 16;
    const int threads = static_cast<int>(units < 256 ? (units + 31) / 32 * 32 : 256);
    embedding_kernel<uint4><<<num_tokens, threads, 0, stream>>>(
        static_cast<uint4*>(out), static_cast<const uint4*>(table), ids, units);
  } else if (dtype == DType::kF32) {
    embedding_kernel<float><<<num_tokens, 256, 0, stream>>>(
        static_cast<float*>(out), static_cast<const float*>(table), ids, hidden);
  } else {
    embedding_kernel<uint16_t><<<num_tokens, 256, 0, stream>>>(
        static_cast<uint16_t*>(out), static_cast<const uint16_t*>(table), ids, hidden);
  }
  device::check_launch("embedding");
}

}  // namespace cuda
}  // namespace vllmctl::kernels
