// CPU twin of the paged KV write: two row copies per token with a slot.
#include "kernels/kv_cache_write.h"

#include <cstring>

namespace vllmctl::kernels::cpu {

void write_kv(const PagedKv& cache, const void* k, const void* v, const int32_t* slot_mapping,
              int num_tokens, int64_t k_stride, int64_t v_stride) {
  const int64_t esize = dtype_size(cache.dtype);
  const int64_t row = static_cast<int64_t>(cache.num_kv_heads) * cache.head_dim;
  const auto row_bytes = static_cast<size_t>(row * esize);
  for (int t = 0; t < num_tokens; ++t) {
    const int64_t slot = slot_mapping[t];
    if (slot < 0) continue;
    std::memcpy(static_cast<char*>(cache.k) + slot * row * esize,
                static_cast<const char*>(k) + t * k_stride * esize, row_bytes);
    std::memcpy(static_cast<char*>(cache.v) + slot * row * esize,
                static_cast<const char*>(v) + t * v_stride * esize, row_bytes);
  }
}

}  // namespace vllmctl::kernels::cpu
