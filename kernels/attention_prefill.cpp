// CPU twin of cuda::attention_prefill: plain loops, F32 math, the output rounded once to
// the cache's dtype. Two-pass softmax per (row, head): the scores of one row fit in memory.
#include "kernels/attention_prefill.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace vllmctl::kernels::cpu {
namespace {

// n elements of a dtype buffer from element `offset`, as F32 (one switch per row).
void load_row(const void* base, DType t, int64_t offset, int n, float* dst) {
  switch (t) {
    case DType::kF32: std::memcpy(dst, static_cast<const float*>(base) + offset, n * sizeof(float)); break;
    case DType::kF16:
      for (int i = 0; i < n; ++i) dst[i] = f16_to_f32(static_cast<const uint16_t*>(base)[offset + i]);
      break;
    case DType::kBF16:
      for (int i = 0; i < n; ++i) dst[i] = bf16_to_f32(static_cast<const uint16_t*>(base)[offset + i]);
      break;
  }
}

}  // namespace

void attention_prefill(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                       int num_heads, float scale) {
  check_attention_args("attention_prefill", kv, batch, num_heads);
  if (batch.num_seqs == 0) return;
  check_attention_batch_arrays("attention_prefill", batch);
  const int head_dim = kv.head_dim;
  const int group = num_heads / kv.num_kv_heads;
  const int64_t kv_row = static_cast<int64_t>(kv.num_kv_heads) * head_dim;

  // One work item per (sequence, KV head): read its keys and values out of the paged cache
  // once, as F32, then serve every query row and every query head of the group from them.
#pragma omp parallel
  {
    std::vector<float> k, v, qf(head_dim), acc(head_dim), scores;
#pragma omp for schedule(dynamic, 1) collapse(2)
    for (int s = 0; s < batch.num_seqs; ++s) {
      for (int kv_head = 0; kv_head < kv.num_kv_heads; ++kv_head) {
        const int q_begin = batch.query_start[s];
        const int q_len = batch.query_start[s + 1] - q_begin;
        const int ctx = batch.context_lens[s];
        if (q_len == 0) continue;
        const int32_t* table = batch.block_tables + static_cast<int64_t>(s) * batch.max_blocks_per_seq;
        k.resize(static_cast<size_t>(ctx) * head_dim);
        v.resize(k.size());
        for (int j = 0; j < ctx; ++j) {  // position j lives at slot block * size + offset
          const int64_t slot =
              static_cast<int64_t>(table[j / kv.block_size]) * kv.block_size + j % kv.block_size;
          const int64_t at = slot * kv_row + static_cast<int64_t>(kv_head) * head_dim;
          load_row(kv.k, kv.dtype, at, head_dim, &k[static_cast<size_t>(j) * head_dim]);
          load_row(kv.v, kv.dtype, at, head_dim, &v[static_cast<size_t>(j) * head_dim]);
        }
        for (int i = 0; i < q_len; ++i) {
          // Clamped like the kernel: a padding sequence (ctx 0) sees one absent key, read as
          // a zero row, so its rows come out zero.
          const int pos = std::max(ctx - q_len + i, 0);
          for (int h = kv_head * group; h < (kv_head + 1) * group; ++h) {
            const int64_t q_off = (static_cast<int64_t>(q_begin + i) * num_heads + h) * head_dim;
            load_row(q, kv.dtype, q_off, head_dim, qf.data());
            scores.assign(pos + 1, 0.0f);  // keys at or past ctx: zero rows, score 0
            float max_score = -INFINITY;
            for (int j = 0; j <= pos; ++j) {
              if (j < ctx) {
                const float* kj = &k[static_cast<size_t>(j) * head_dim];
                float dot = 0.0f;
                for (int d = 0; d < head_dim; ++d) dot += qf[d] * kj[d];
                scores[j] = dot * scale;
              }
              max_score = std::max(max_score, scores[j]);
            }
            std::fill(acc.begin(), acc.end(), 0.0f);
            float denom = 0.0f;
            for (int j = 0; j <= pos; ++j) {
              const float p = std::exp(scores[j] - max_score);
              denom += p;
              if (j >= ctx) continue;
              const float* vj = &v[static_cast<size_t>(j) * head_dim];
              for (int d = 0; d < head_dim; ++d) acc[d] += p * vj[d];
            }
            for (int d = 0; d < head_dim; ++d) store_f32(out, kv.dtype, q_off + d, acc[d] / denom);
          }
        }
      }
    }
  }
}

}  // namespace vllmctl::kernels::cpu
