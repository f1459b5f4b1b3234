// Decode attention over the paged KV cache: one query row per sequence, grouped-query,
// split-K over the context for long sequences (like vLLM's paged_attention_v2). The CUDA
// launcher loads each KV tile once for all query heads of its group; the CPU twin
// computes the same function with plain loops in F32.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "kernels/attention_prefill.h"
#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// Context tokens per split-K partition: one thread block per (kv head, sequence, partition).
// Half of vLLM's 512 because a block here serves a whole GQA group (vLLM: one query head),
// so a small batch still spreads over enough blocks to cover the GPU.
inline constexpr int kDecodePartitionSize = 256;

inline int decode_num_partitions(int max_context_len) {
  return (max_context_len + kDecodePartitionSize - 1) / kDecodePartitionSize;
}

// Bytes of workspace attention_decode needs for this batch shape: 0 when one partition
// covers max_context_len (no reduce pass), else per (sequence, head, partition) the
// partition's max score, its sum of exponentials and its normalised output, all F32:
//   max_scores: [num_seqs, num_heads, num_partitions]
//   exp_sums:   [num_seqs, num_heads, num_partitions]
//   partial_out: [num_seqs, num_heads, num_partitions, head_dim]
// For CUDA graphs, size it with the largest batch and max_context_len that will be replayed.
inline size_t attention_decode_workspace_bytes(int num_seqs, int num_heads, int head_dim,
                                               int max_context_len) {
  const int num_partitions = decode_num_partitions(max_context_len);
  if (num_partitions <= 1) return 0;
  return static_cast<size_t>(num_seqs) * num_heads * num_partitions * (2 + head_dim) * sizeof(float);
}

// The same function as attention_prefill restricted to query_len <= 1: sequence s's query
// row (if query_start[s+1] - query_start[s] == 1) is the last of its context_lens[s] tokens
// and attends to all of them; a sequence with context_lens[s] == 0 (a padding slot of a
// CUDA-graph bucket) gets a zero row. Softmax in F32, the output rounded once to kv.dtype.
//
// q, out: [num_tokens, num_heads, head_dim] in kv.dtype; kv: k, v [num_blocks, block_size,
// num_kv_heads, head_dim]; workspace: workspace_bytes >= attention_decode_workspace_bytes(
// batch.num_seqs, num_heads, kv.head_dim, batch.max_context_len), F32-aligned (the twin
// checks the size but never touches it, so that both reject the same calls).
// REQUIRES: batch.max_query_len <= 1 (mixed steps go to attention_prefill);
// batch.max_context_len >= every context_lens[s] (it sizes the split); plus
// attention_prefill's requirements (head_dim 64 or 128, GQA, 16-byte alignment).
namespace cpu {
void attention_decode(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                      int num_heads, float scale, void* workspace, size_t workspace_bytes);
}  // namespace cpu

namespace cuda {
// batch's arrays and the workspace are device memory. Never synchronizes, never allocates;
// two kernel launches when the context needs more than one partition, else one.
void attention_decode(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                      int num_heads, float scale, void* workspace, size_t workspace_bytes,
                      cudaStream_t stream);
}  // namespace cuda

// The preconditions both implementations check on the host; throws std::invalid_argument.
inline void check_attention_decode_args(const PagedKv& kv, const AttentionBatch& batch,
                                        int num_heads, const void* workspace,
                                        size_t workspace_bytes) {
  check_attention_args("attention_decode", kv, batch, num_heads);
  if (batch.max_query_len > 1) {
    throw std::invalid_argument("attention_decode: max_query_len " +
                                std::to_string(batch.max_query_len) +
                                " > 1 (use attention_prefill for prefill rows)");
  }
  const size_t need = attention_decode_workspace_bytes(batch.num_seqs, num_heads, kv.head_dim,
                                                       batch.max_context_len);
  if (workspace_bytes < need) {
    throw std::invalid_argument("attention_decode: workspace_bytes " +
                                std::to_string(workspace_bytes) + " < " + std::to_string(need) +
                                " needed (attention_decode_workspace_bytes)");
  }
  if (need > 0 && workspace == nullptr) {
    throw std::invalid_argument("attention_decode: workspace is null, " + std::to_string(need) +
                                " bytes needed");
  }
}

}  // namespace vllmctl::kernels
