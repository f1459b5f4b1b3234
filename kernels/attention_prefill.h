// Prefill attention over the paged KV cache: causal, grouped-query, ragged (varlen) batch.
// The CUDA launcher is flash-attention style (online softmax over key tiles in shared
// memory; tensor cores for bf16/f16 on sm_80+, FMA otherwise); the CPU twin computes the
// same function with plain loops in F32.
#pragma once

#include <stdexcept>
#include <string>

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// The function both implementations compute. Sequence s's query rows
// [query_start[s], query_start[s+1]) are the LAST query_len(s) of its context_lens[s]
// tokens, so row i of s sits at position p = context_lens[s] - query_len(s) + i and attends
// to keys 0..p, all read from the paged cache (a cached prefix costs nothing extra).
// Query head h reads KV head h / (num_heads / kv.num_kv_heads). Softmax in F32:
//   out[t, h] = sum_j softmax_j(scale * q[t, h] . k[j]) * v[j]
// The output is rounded once to kv.dtype.
//
// q, out: [num_tokens, num_heads, head_dim] in kv.dtype (num_tokens = query_start[num_seqs]);
// kv: k, v [num_blocks, block_size, num_kv_heads, head_dim]; batch.block_tables row s must
// map every position < context_lens[s] to a valid block.
// A sequence with context_lens[s] == 0 (a padding slot) gets zero rows.
// REQUIRES: 0 <= query_len(s) <= batch.max_query_len and query_len(s) <= context_lens[s]
// <= batch.max_context_len, or context_lens[s] == 0 (the twin checks these and throws; the
// kernel's rows that break them are unspecified but finite, never a fault); head_dim 64 or
// 128; num_heads a multiple of num_kv_heads; q, out, kv.k, kv.v 16-byte aligned (the CUDA
// loads are 16-byte vectors).
// Accepts any batch, decode rows (query_len 1) included; attention_decode is the faster
// path for an all-decode step.
namespace cpu {
void attention_prefill(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                       int num_heads, float scale);
}  // namespace cpu

namespace cuda {
// batch's arrays are device pointers; batch.max_query_len sizes the grid (it must be >= every
// query_len, or rows past it are left unwritten). Never synchronizes, never allocates; launch
// errors surface through cudaGetLastError / the stream. bf16/f16 on sm_80+ run on tensor
// cores unless the environment sets VLLMCTL_ATTENTION_NO_MMA=1 (the FMA kernel: debugging).
void attention_prefill(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                       int num_heads, float scale, cudaStream_t stream);
}  // namespace cuda

// The shape preconditions both implementations check on the host from the scalars (the
// batch's arrays may live on the device). Throws std::invalid_argument naming the bad value.
inline void check_attention_args(const char* fn, const PagedKv& kv, const AttentionBatch& batch,
                                 int num_heads) {
  auto fail = [fn](const std::string& what) {
    throw std::invalid_argument(std::string(fn) + ": " + what);
  };
  if (kv.head_dim != 64 && kv.head_dim != 128) {
    fail("head_dim " + std::to_string(kv.head_dim) + " is not supported (64 or 128)");
  }
  if (kv.num_kv_heads <= 0) fail("num_kv_heads " + std::to_string(kv.num_kv_heads) + " <= 0");
  if (num_heads <= 0 || num_heads % kv.num_kv_heads != 0) {
    fail("num_heads " + std::to_string(num_heads) + " is not a positive multiple of num_kv_heads " +
         std::to_string(kv.num_kv_heads));
  }
  if (kv.block_size <= 0) fail("block_size " + std::to_string(kv.block_size) + " <= 0");
  if (batch.num_seqs < 0) fail("num_seqs " + std::to_string(batch.num_seqs) + " < 0");
  if (batch.num_seqs > 65535) {
    fail("num_seqs " + std::to_string(batch.num_seqs) + " > 65535 (one grid dimension)");
  }
  if (batch.max_query_len < 0) fail("max_query_len " + std::to_string(batch.max_query_len) + " < 0");
  if (batch.max_context_len < 0) {
    fail("max_context_len " + std::to_string(batch.max_context_len) + " < 0");
  }
  if (batch.num_seqs > 0 && batch.max_blocks_per_seq <= 0) {
    fail("max_blocks_per_seq " + std::to_string(batch.max_blocks_per_seq) + " <= 0");
  }
  if (batch.max_blocks_per_seq > 0 &&
      static_cast<long long>(batch.max_blocks_per_seq) * kv.block_size < batch.max_context_len) {
    fail("max_context_len " + std::to_string(batch.max_context_len) +
         " exceeds max_blocks_per_seq * block_size");
  }
}

// The twins' check of the batch's arrays (host pointers) against the same contract.
inline void check_attention_batch_arrays(const char* fn, const AttentionBatch& batch) {
  auto fail = [fn](int s, const std::string& what) {
    throw std::invalid_argument(std::string(fn) + ": sequence " + std::to_string(s) + ": " + what);
  };
  if (batch.num_seqs > 0 && batch.query_start[0] != 0) fail(0, "query_start[0] != 0");
  for (int s = 0; s < batch.num_seqs; ++s) {
    const int q_len = batch.query_start[s + 1] - batch.query_start[s];
    const int ctx = batch.context_lens[s];
    if (q_len < 0 || q_len > batch.max_query_len) {
      fail(s, "query_len " + std::to_string(q_len) + " outside [0, max_query_len " +
                  std::to_string(batch.max_query_len) + "]");
    }
    if ((ctx < q_len && ctx != 0) || ctx > batch.max_context_len) {
      fail(s, "context_len " + std::to_string(ctx) + " outside {0} u [query_len " +
                  std::to_string(q_len) + ", max_context_len " +
                  std::to_string(batch.max_context_len) + "]");
    }
  }
}

}  // namespace vllmctl::kernels
