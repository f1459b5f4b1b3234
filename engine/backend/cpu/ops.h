// CPU kernels of the transformer forward pass, F32. Raw pointers, sizes, row-major
// shapes written beside each argument. Each is the reference (the "CPU twin") that the
// CUDA kernel of the same name is tested against. Threads: OpenMP inside; call from one
// thread at a time.
#pragma once

#include <cstdint>

namespace vllmctl::cpu {

// out: [num_tokens, hidden] = table[ids[t]]; table: [vocab, hidden]; ids in range.
void embedding(float* out, const float* table, const int32_t* ids, int num_tokens, int hidden);

// out: [num_tokens, hidden] = x / sqrt(mean(x^2) + eps) * weight. out may alias x.
void rms_norm(float* out, const float* x, const float* weight, int num_tokens, int hidden,
              float eps);

// residual += x, then x = rms_norm(residual): the fused pre-norm of every later layer.
void add_rms_norm(float* x, float* residual, const float* weight, int num_tokens, int hidden,
                  float eps);

// Rotary embedding, neox style (halves [x1 | x2] -> [x1 c - x2 s | x2 c + x1 s]), in place.
// x: [num_tokens, num_heads, head_dim]; positions: [num_tokens];
// inv_freq: [head_dim / 2] (already scaled for Llama 3 when the model asks for it).
void rope_neox(float* x, const int32_t* positions, const float* inv_freq, int num_tokens,
               int num_heads, int head_dim);

// out: [num_tokens, inter] = silu(gate_up[:, :inter]) * gate_up[:, inter:];
// gate_up: [num_tokens, 2 * inter].
void silu_and_mul(float* out, const float* gate_up, int num_tokens, int inter);

// out: [num_tokens, out_features] = x · wᵀ (+ bias); x: [num_tokens, in_features],
// w: [out_features, in_features], bias: [out_features] or null. Through BLAS.
void linear(float* out, const float* x, const float* w, const float* bias, int num_tokens,
            int in_features, int out_features);

// The paged KV cache of one layer, as kernels see it. k, v: [num_blocks, block_size,
// num_kv_heads, head_dim]; a token at slot s lives at row s = block * block_size + offset.
struct PagedKvCache {
  float* k;
  float* v;
  int block_size;
  int num_kv_heads;
  int head_dim;
};

// Writes each token's K and V rows into its slot; slot -1 skips the token.
// k, v: [num_tokens, num_kv_heads, head_dim]; slot_mapping: [num_tokens].
void write_kv(const PagedKvCache& cache, const float* k, const float* v,
              const int32_t* slot_mapping, int num_tokens);

// The ragged batch's attention metadata. Sequence s owns query rows
// [query_start[s], query_start[s + 1]), which are the last of its context_lens[s] tokens
// (cached prefix + new tokens, all already written to the cache); block_tables row s
// (max_blocks_per_seq wide) maps its token positions to blocks.
struct AttentionBatch {
  const int32_t* query_start;   // [num_seqs + 1]
  const int32_t* context_lens;  // [num_seqs]
  const int32_t* block_tables;  // [num_seqs, max_blocks_per_seq]
  int max_blocks_per_seq;
  int num_seqs;
};

// Causal grouped-query attention over the paged cache, softmax in F32.
// q, out: [num_tokens, num_heads, head_dim]; query head h reads KV head
// h / (num_heads / num_kv_heads).
void paged_attention(float* out, const float* q, const PagedKvCache& cache,
                     const AttentionBatch& batch, int num_heads, float scale);

}  // namespace vllmctl::cpu
