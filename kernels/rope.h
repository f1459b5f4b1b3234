// Rotary position embedding, neox style, applied in place to q and k in one launch (the
// same function as vllmctl::cpu::rope_neox in engine/backend/cpu/ops.h, for any dtype).
#pragma once

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// q: [num_tokens, num_heads, head_dim], token t's heads starting at q + t * q_stride
//    (elements; q_stride >= num_heads * head_dim, so q may be a slice of a fused qkv row);
// k: [num_tokens, num_kv_heads, head_dim], likewise with k_stride; may be null when
//    num_kv_heads == 0. Both in `dtype`.
// positions: [num_tokens]; inv_freq: [head_dim / 2] F32 (engine/backend/rope.h computes it,
// with Llama 3 scaling when the model asks for it).
// Per token and i < head_dim / 2: the angle positions[t] * inv_freq[i] in double (positions
// reach 10^5, where F32 loses the phase), cos and sin rounded to F32, then in F32
// [x1 | x2] -> [x1 c - x2 s | x2 c + x1 s], each product rounded (no FMA), rounded once to
// dtype. REQUIRES: head_dim even, 2 <= head_dim <= 1024.
namespace cpu {
void rope_neox(void* q, void* k, const int32_t* positions, const float* inv_freq,
               int num_tokens, int num_heads, int num_kv_heads, int head_dim, int64_t q_stride,
               int64_t k_stride, DType dtype);
}  // namespace cpu

namespace cuda {
void rope_neox(void* q, void* k, const int32_t* positions, const float* inv_freq,
               int num_tokens, int num_heads, int num_kv_heads, int head_dim, int64_t q_stride,
               int64_t k_stride, DType dtype, cudaStream_t stream);
}  // namespace cuda

}  // namespace vllmctl::kernels
