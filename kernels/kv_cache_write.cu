// The paged KV write on the GPU: one block per token copies its K and V rows, in 16-byte
// units when the row, the strides and the pointers allow (else in elements of 2 or 4 bytes).
#include "kernels/device_common.cuh"
#include "kernels/kv_cache_write.h"

namespace vllmctl::kernels {
namespace {

// W: the copy unit; row, k_stride, v_stride in units of W.
template <class W>
__global__ void write_kv_kernel(W* __restrict__ k_cache, W* __restrict__ v_cache,
                                const W* __restrict__ k, const W* __restrict__ v,
                                const int32_t* __restrict__ slot_mapping, int64_t row,
                                int64_t k_stride, int64_t v_stride) {
  const int64_t t = blockIdx.x;
  const int64_t slot = slot_mapping[t];
  if (slot < 0) return;
  for (int64_t i = threadIdx.x; i < row; i += blockDim.x) {
    k_cache[slot * row + i] = k[t * k_stride + i];
    v_cache[slot * row + i] = v[t * v_stride + i];
  }
}

template <class W>
void launch(const PagedKv& c, const void* k, const void* v, const int32_t* slots, int num_tokens,
            int64_t row, int64_t k_stride, int64_t v_stride, cudaStream_t stream) {
  const int threads = row >= 128 ? 128 : static_cast<int>((row + 31) / 32 * 32);
  write_kv_kernel<W><<<num_tokens, threads, 0, stream>>>(
      static_cast<W*>(c.k), static_cast<W*>(c.v), static_cast<const W*>(k),
      static_cast<const W*>(v), slots, row, k_stride, v_stride);
}

}  // namespace

namespace cuda {

void write_kv(const PagedKv& cache, const void* k, const void* v, const int32_t* slot_mapping,
              int num_tokens, int64_t k_stride, int64_t v_stride, cudaStream_t stream) {
  using device::require;
  require(num_tokens >= 0, "write_kv", "num_tokens", num_tokens);
  require(cache.num_kv_heads > 0, "write_kv", "num_kv_heads", cache.num_kv_heads);
  require(cache.head_dim > 0, "write_kv", "head_dim", cache.head_dim);
  const int64_t row = static_cast<int64_t>(cache.num_kv_heads) * cache.head_dim;
  require(k_stride >= row, "write_kv", "k_stride", k_stride);
  require(v_stride >= row, "write_kv", "v_stride", v_stride);
  if (num_tokens == 0) return;
  const int64_t esize = dtype_size(cache.dtype);
  const int64_t per16 = 16 / esize;  // elements per 16 bytes
  const bool vec = row % per16 == 0 && k_stride % per16 == 0 && v_stride % per16 == 0 &&
                   device::aligned16(cache.k) && device::aligned16(cache.v) &&
                   device::aligned16(k) && device::aligned16(v);
  if (vec) {
    launch<uint4>(cache, k, v, slot_mapping, num_tokens, row / per16, k_stride / per16,
                  v_stride / per16, stream);
  } else if (esize == 4) {
    launch<float>(cache, k, v, slot_mapping, num_tokens, row, k_stride, v_stride, stream);
  } else {
    launch<uint16_t>(cache, k, v, slot_mapping, num_tokens, row, k_stride, v_stride, stream);
  }
  device::check_launch("write_kv");
}

}  // namespace cuda
}  // namespace vllmctl::kernels
