// Random paged-attention batches for the attention kernel tests (the CPU twins' doctests
// and tests/gpu/attention_test.cu): logical K/V per sequence scattered into a NaN-filled
// paged cache through shuffled block tables, and an independent double-precision reference
// computed from the logical K/V, and the twins' error bound against it. Header-only, plain C++17, no test framework.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

#include "kernels/kernel_types.h"

namespace vllmctl::kernels::attention_test {

// splitmix64: same seed, same batch everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  float uniform(float lo, float hi) {  // [lo, hi), never exactly zero
    float x;
    do {
      x = lo + (hi - lo) * static_cast<float>(static_cast<double>(next() >> 11) * 0x1.0p-53);
    } while (x == 0.0f);
    return x;
  }
  int uniform_int(int lo, int hi) {  // [lo, hi]
    return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

struct SeqSpec {
  int query_len;    // the last query_len of context_len tokens are queries
  int context_len;  // cached prefix + new tokens
};

struct Batch {
  DType dtype = DType::kF32;
  int head_dim = 0, num_heads = 0, num_kv_heads = 0, block_size = 0, num_blocks = 0;
  std::vector<int32_t> query_start, context_lens, block_tables;
  int max_blocks_per_seq = 0, max_query_len = 0, max_context_len = 0;
  std::vector<uint8_t> q, k_cache, v_cache;  // raw dtype bytes
  // Per sequence: [context_len, num_kv_heads, head_dim], the dtype-rounded values as F32.
  std::vector<std::vector<float>> k_logical, v_logical;

  int num_seqs() const { return static_cast<int>(context_lens.size()); }
  int num_tokens() const { return query_start.back(); }
  size_t out_elems() const { return static_cast<size_t>(num_tokens()) * num_heads * head_dim; }
  size_t out_bytes() const { return out_elems() * static_cast<size_t>(dtype_size(dtype)); }

  // The host views (for the twins); a GPU test swaps in device pointers.
  PagedKv kv() {
    PagedKv p;
    p.k = k_cache.data();
    p.v = v_cache.data();
    p.dtype = dtype;
    p.num_blocks = num_blocks;
    p.block_size = block_size;
    p.num_kv_heads = num_kv_heads;
    p.head_dim = head_dim;
    return p;
  }
  AttentionBatch batch() const {
    AttentionBatch b;
    b.query_start = query_start.data();
    b.context_lens = context_lens.data();
    b.block_tables = block_tables.data();
    b.num_seqs = num_seqs();
    b.max_blocks_per_seq = max_blocks_per_seq;
    b.max_query_len = max_query_len;
    b.max_context_len = max_context_len;
    return b;
  }
};

inline std::vector<float> to_f32(const std::vector<uint8_t>& bytes, DType t) {
  std::vector<float> out(bytes.size() / static_cast<size_t>(dtype_size(t)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = load_f32(bytes.data(), t, static_cast<int64_t>(i));
  return out;
}

// A batch of `seqs` with random q in [-2, 2) and K, V in [-1, 1). With share_prefixes, each
// odd sequence's block table starts with some full blocks of the previous sequence (a
// prefix-cache hit: same physical blocks, same K/V). Every cache slot no sequence owns, and
// the table entries past each sequence's last block (pointing at an unowned block), hold
// NaN, so a kernel that reads past a context shows it.
inline Batch make_batch(uint64_t seed, DType dtype, int head_dim, int num_heads, int num_kv_heads,
                        int block_size, const std::vector<SeqSpec>& seqs,
                        bool share_prefixes = true) {
  Rng rng(seed);
  Batch b;
  b.dtype = dtype;
  b.head_dim = head_dim;
  b.num_heads = num_heads;
  b.num_kv_heads = num_kv_heads;
  b.block_size = block_size;
  const int num_seqs = static_cast<int>(seqs.size());
  const int64_t row = static_cast<int64_t>(num_kv_heads) * head_dim;
  auto blocks_for = [&](int ctx) { return (ctx + block_size - 1) / block_size; };

  b.query_start.push_back(0);
  for (const SeqSpec& s : seqs) {
    b.query_start.push_back(b.query_start.back() + s.query_len);
    b.context_lens.push_back(s.context_len);
    b.max_query_len = std::max(b.max_query_len, s.query_len);
    b.max_context_len = std::max(b.max_context_len, s.context_len);
    b.max_blocks_per_seq = std::max(b.max_blocks_per_seq, blocks_for(s.context_len));
  }
  b.max_blocks_per_seq += 1;  // one padding column, pointing at a NaN block

  // How many leading blocks each sequence borrows from the previous one.
  std::vector<int> shared(num_seqs, 0);
  for (int s = 1; s < num_seqs && share_prefixes; s += 2) {
    shared[s] = std::min(seqs[s].context_len, seqs[s - 1].context_len) / block_size / 2;
  }
  int needed = 0;
  for (int s = 0; s < num_seqs; ++s) needed += blocks_for(seqs[s].context_len) - shared[s];
  b.num_blocks = needed + 3;  // spare blocks stay NaN
  std::vector<int32_t> ids(b.num_blocks);
  std::iota(ids.begin(), ids.end(), 0);
  for (int i = b.num_blocks - 1; i > 0; --i) std::swap(ids[i], ids[rng.uniform_int(0, i)]);
  const int32_t nan_block = ids.back();

  b.block_tables.assign(static_cast<size_t>(num_seqs) * b.max_blocks_per_seq, nan_block);
  int next = 0;
  for (int s = 0; s < num_seqs; ++s) {
    int32_t* table = b.block_tables.data() + static_cast<size_t>(s) * b.max_blocks_per_seq;
    for (int i = 0; i < blocks_for(seqs[s].context_len); ++i) {
      table[i] = i < shared[s] ? b.block_tables[static_cast<size_t>(s - 1) * b.max_blocks_per_seq + i]
                               : ids[next++];
    }
  }

  const size_t cache_elems = static_cast<size_t>(b.num_blocks) * block_size * row;
  const size_t bytes = static_cast<size_t>(dtype_size(dtype));
  b.k_cache.resize(cache_elems * bytes);
  b.v_cache.resize(cache_elems * bytes);
  for (size_t i = 0; i < cache_elems; ++i) {
    store_f32(b.k_cache.data(), dtype, static_cast<int64_t>(i), NAN);
    store_f32(b.v_cache.data(), dtype, static_cast<int64_t>(i), NAN);
  }
  auto rounded = [dtype](float x) {
    uint8_t tmp[4];
    store_f32(tmp, dtype, 0, x);
    return load_f32(tmp, dtype, 0);
  };
  for (int s = 0; s < num_seqs; ++s) {
    const int ctx = seqs[s].context_len;
    std::vector<float> k(static_cast<size_t>(ctx) * row), v(k.size());
    const size_t num_shared = static_cast<size_t>(shared[s]) * block_size * row;
    for (size_t i = 0; i < k.size(); ++i) {
      k[i] = i < num_shared ? b.k_logical[s - 1][i] : rounded(rng.uniform(-1, 1));
      v[i] = i < num_shared ? b.v_logical[s - 1][i] : rounded(rng.uniform(-1, 1));
    }
    const int32_t* table = b.block_tables.data() + static_cast<size_t>(s) * b.max_blocks_per_seq;
    for (int pos = 0; pos < ctx; ++pos) {  // the cache write: slot = block * size + offset
      const int64_t slot = static_cast<int64_t>(table[pos / block_size]) * block_size + pos % block_size;
      for (int64_t e = 0; e < row; ++e) {
        store_f32(b.k_cache.data(), dtype, slot * row + e, k[pos * row + e]);
        store_f32(b.v_cache.data(), dtype, slot * row + e, v[pos * row + e]);
      }
    }
    b.k_logical.push_back(std::move(k));
    b.v_logical.push_back(std::move(v));
  }

  const size_t q_elems = static_cast<size_t>(b.num_tokens()) * num_heads * head_dim;
  b.q.resize(q_elems * bytes);
  for (size_t i = 0; i < q_elems; ++i) store_f32(b.q.data(), dtype, static_cast<int64_t>(i), rng.uniform(-2, 2));
  return b;
}

// Raises max_context_len past every context (a CUDA-graph bucket sized for longer
// sequences), widening the block tables to match with entries pointing at a NaN block.
inline void widen_max_context_len(Batch& b, int max_context_len) {
  const int width = (max_context_len + b.block_size - 1) / b.block_size + 1;
  if (width > b.max_blocks_per_seq) {
    const int32_t nan_block = b.block_tables.back();  // every table ends with a padding entry
    std::vector<int32_t> tables(static_cast<size_t>(b.num_seqs()) * width, nan_block);
    for (int s = 0; s < b.num_seqs(); ++s) {
      std::copy_n(b.block_tables.begin() + static_cast<ptrdiff_t>(s) * b.max_blocks_per_seq,
                  b.max_blocks_per_seq, tables.begin() + static_cast<ptrdiff_t>(s) * width);
    }
    b.block_tables = std::move(tables);
    b.max_blocks_per_seq = width;
  }
  b.max_context_len = std::max(b.max_context_len, max_context_len);
}

// The reference, in double, straight from the definition on the logical K/V: row i of
// sequence s (position ctx - q_len + i) attends to keys 0..position; ctx 0 gives zeros.
// Returns [num_tokens, num_heads, head_dim].
inline std::vector<double> naive_attention(const Batch& b, double scale) {
  const int d_n = b.head_dim;
  const int group = b.num_heads / b.num_kv_heads;
  const std::vector<float> q = to_f32(b.q, b.dtype);
  std::vector<double> out(b.out_elems(), 0.0);
  std::vector<double> scores;
  for (int s = 0; s < b.num_seqs(); ++s) {
    const int ctx = b.context_lens[s];
    const int q_len = b.query_start[s + 1] - b.query_start[s];
    if (ctx == 0) continue;
    const std::vector<float>& k = b.k_logical[s];
    const std::vector<float>& v = b.v_logical[s];
    for (int i = 0; i < q_len; ++i) {
      const int token = b.query_start[s] + i;
      const int pos = ctx - q_len + i;
      for (int h = 0; h < b.num_heads; ++h) {
        const int kvh = h / group;
        const float* qv = &q[(static_cast<size_t>(token) * b.num_heads + h) * d_n];
        scores.assign(pos + 1, 0.0);
        double max_score = -INFINITY;
        for (int j = 0; j <= pos; ++j) {
          const float* kv = &k[(static_cast<size_t>(j) * b.num_kv_heads + kvh) * d_n];
          double dot = 0;
          for (int d = 0; d < d_n; ++d) dot += static_cast<double>(qv[d]) * kv[d];
          scores[j] = dot * scale;
          max_score = std::max(max_score, scores[j]);
        }
        double denom = 0;
        for (double& x : scores) denom += (x = std::exp(x - max_score));
        double* o = &out[(static_cast<size_t>(token) * b.num_heads + h) * d_n];
        for (int j = 0; j <= pos; ++j) {
          const float* vv = &v[(static_cast<size_t>(j) * b.num_kv_heads + kvh) * d_n];
          for (int d = 0; d < d_n; ++d) o[d] += scores[j] / denom * vv[d];
        }
      }
    }
  }
  return out;
}

// How far a twin's output may sit from the exact (double) value: the F32 accumulation error,
// plus half a unit in the last place of the dtype's single rounding of the output.
inline double allowed_error(DType t, double want) {
  const double half_ulp_rel = t == DType::kF32 ? 0.0 : t == DType::kF16 ? 0x1p-11 : 0x1p-8;
  return 2e-6 + 2e-5 * std::fabs(want) + half_ulp_rel * std::fabs(want);
}

// Counts elements outside allowed_error (NaN included); prints the worst one.
inline int count_bad(const std::vector<float>& got, const std::vector<double>& want, DType t, const char* what) {
  int bad = 0;
  double worst = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double err = std::fabs(got[i] - want[i]);
    const double excess = std::isnan(err) ? INFINITY : err / allowed_error(t, want[i]);
    if (!(excess <= 1.0)) ++bad;
    if (!(excess <= worst)) {
      worst = excess;
      worst_i = i;
    }
  }
  if (bad > 0) {
    std::printf("%s: %d bad of %zu, worst [%zu] got %.9g want %.9g\n", what, bad, want.size(), worst_i,
                got[worst_i], want[worst_i]);
  }
  return bad;
}

}  // namespace vllmctl::kernels::attention_test
