// CPU paged attention: causal, grouped-query, over a ragged batch, online softmax.
#include "engine/backend/cpu/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace vllmctl::cpu {

void paged_attention(float* out, const float* q, const PagedKvCache& cache,
                     const AttentionBatch& batch, int num_heads, float scale) {
  const int head_dim = cache.head_dim;
  const int group = num_heads / cache.num_kv_heads;
  const int64_t kv_row = static_cast<int64_t>(cache.num_kv_heads) * head_dim;

  // One work item per (sequence, query token, head): sizes vary wildly between a
  // decode (1 token) and a prefill chunk, so schedule dynamically.
  const int total_tokens = batch.query_start[batch.num_seqs];
  // Threads only when there is enough work: roughly query rows x context x head_dim.
  long work = 0;
  for (int s = 0; s < batch.num_seqs; ++s) {
    work += static_cast<long>(batch.query_start[s + 1] - batch.query_start[s]) * batch.context_lens[s];
  }
  work *= static_cast<long>(num_heads) * head_dim;
#pragma omp parallel for schedule(dynamic, 4) collapse(2) if (work >= (1L << 20))
  for (int token = 0; token < total_tokens; ++token) {
    for (int h = 0; h < num_heads; ++h) {
      // The sequence this token belongs to (few sequences: a linear scan is cheap).
      int s = 0;
      while (batch.query_start[s + 1] <= token) ++s;
      const int q_len = batch.query_start[s + 1] - batch.query_start[s];
      const int ctx = batch.context_lens[s];
      const int pos = ctx - q_len + (token - batch.query_start[s]);  // this token's position
      const int32_t* table = batch.block_tables + static_cast<int64_t>(s) * batch.max_blocks_per_seq;
      const int kv_head = h / group;
      const float* qv = q + (static_cast<int64_t>(token) * num_heads + h) * head_dim;

      float acc[1024];
      std::fill(acc, acc + head_dim, 0.0f);
      float max_score = -std::numeric_limits<float>::infinity();
      float denom = 0.0f;
      for (int j = 0; j <= pos; ++j) {
        const int64_t slot = static_cast<int64_t>(table[j / cache.block_size]) * cache.block_size +
                             j % cache.block_size;
        const float* kv = cache.k + slot * kv_row + static_cast<int64_t>(kv_head) * head_dim;
        float score = 0.0f;
        for (int d = 0; d < head_dim; ++d) score += qv[d] * kv[d];
        score *= scale;
        const float* vv = cache.v + slot * kv_row + static_cast<int64_t>(kv_head) * head_dim;
        if (score > max_score) {
          const float correction = std::exp(max_score - score);
          for (int d = 0; d < head_dim; ++d) acc[d] *= correction;
          denom *= correction;
          max_score = score;
        }
        const float p = std::exp(score - max_score);
        denom += p;
        for (int d = 0; d < head_dim; ++d) acc[d] += p * vv[d];
      }
      float* o = out + (static_cast<int64_t>(token) * num_heads + h) * head_dim;
      for (int d = 0; d < head_dim; ++d) o[d] = acc[d] / denom;
    }
  }
}

}  // namespace vllmctl::cpu
