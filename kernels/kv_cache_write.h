// The paged KV cache write: each new token's K and V rows go to its slot (the same
// function as vllmctl::cpu::write_kv in engine/backend/cpu/ops.h, for any dtype).
#pragma once

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// k: [num_tokens, num_kv_heads, head_dim], token t's row at k + t * k_stride (elements;
//    k_stride >= num_kv_heads * head_dim, so k may be a slice of a fused qkv row);
// v: likewise with v_stride; both in cache.dtype (copied bit for bit).
// slot_mapping: [num_tokens]; slot s = block * block_size + offset is cache row s of
// cache.k / cache.v ([num_blocks, block_size, num_kv_heads, head_dim]); a negative slot
// (-1: padding, or a token whose KV is already cached) skips the token.
// REQUIRES: slots < num_blocks * block_size (the block manager's; not checked on the device).
namespace cpu {
void write_kv(const PagedKv& cache, const void* k, const void* v, const int32_t* slot_mapping,
              int num_tokens, int64_t k_stride, int64_t v_stride);
}  // namespace cpu

namespace cuda {
void write_kv(const PagedKv& cache, const void* k, const void* v, const int32_t* slot_mapping,
              int num_tokens, int64_t k_stride, int64_t v_stride, cudaStream_t stream);
}  // namespace cuda

}  // namespace vllmctl::kernels
