// The prefill attention twin against an independent double-precision attention on the
// logical K/V (every dtype, GQA shapes of Qwen2.5 0.5B and 7B, ragged batches mixing fresh
// and prefix-cached sequences), against the CPU backend's paged_attention in F32, and its
// argument checks.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "engine/backend/cpu/ops.h"
#include "kernels/attention_prefill.h"
#include "tests/unit/kernels/attention_test_batch.h"

namespace vllmctl::kernels {
namespace {

using attention_test::Batch;
using attention_test::count_bad;
using attention_test::make_batch;
using attention_test::naive_attention;
using attention_test::SeqSpec;

// Random mixed batches: fresh prompts (query_len == context_len), prefix-cached chunks
// (context_len > query_len), decode rows (query_len 1), a sequence with no query rows.
// max_context bounds the contexts (~1100 where the cost allows; the naive reference is
// rows x heads x context x head_dim in double).
std::vector<SeqSpec> random_seqs(uint64_t seed, int n, int max_context) {
  attention_test::Rng rng(seed);
  std::vector<SeqSpec> seqs;
  for (int i = 0; i < n; ++i) {
    const int q_len = rng.uniform_int(1, 70);
    switch (i % 4) {
      case 0: seqs.push_back({q_len, q_len}); break;                                // fresh
      case 1: seqs.push_back({q_len, q_len + rng.uniform_int(1, max_context - 70)}); break;
      case 2: seqs.push_back({1, rng.uniform_int(1, max_context)}); break;  // decode row
      default: seqs.push_back({q_len, q_len + rng.uniform_int(0, 40)}); break;
    }
  }
  seqs.push_back({0, 37});  // scheduled with no new rows: must not disturb the others
  seqs.push_back({70, max_context});
  return seqs;
}

struct Shape {
  const char* name;
  int num_heads, num_kv_heads, head_dim;
};
constexpr Shape kQwen05b{"qwen2.5-0.5b", 14, 2, 64};
constexpr Shape kQwen7b{"qwen2.5-7b", 28, 4, 128};

void check_against_naive(const Shape& shape, DType dtype, int block_size, int max_context,
                         uint64_t seed) {
  Batch b = make_batch(seed, dtype, shape.head_dim, shape.num_heads, shape.num_kv_heads,
                       block_size, random_seqs(seed * 7 + 1, 5, max_context));
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
  std::vector<uint8_t> out(b.out_bytes(), 0xff);  // NaN in every dtype: unwritten rows show
  cpu::attention_prefill(out.data(), b.q.data(), b.kv(), b.batch(), shape.num_heads, scale);
  const std::vector<float> got = attention_test::to_f32(out, dtype);
  const std::vector<double> want = naive_attention(b, scale);
  CHECK(count_bad(got, want, dtype, shape.name) == 0);
}

TEST_CASE("attention_prefill twin matches double-precision attention") {
  uint64_t seed = 11;
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    INFO("dtype ", static_cast<int>(dtype));
    check_against_naive(kQwen05b, dtype, 16, 1100, seed++);  // head_dim 64, group 7
    check_against_naive(kQwen7b, dtype, 32, 300, seed++);    // head_dim 128, group 7
  }
  check_against_naive({"mha", 4, 4, 128}, DType::kBF16, 16, 1100, 99);  // group 1
  check_against_naive({"group8", 16, 2, 64}, DType::kF16, 32, 600, 98);
}

TEST_CASE("attention_prefill twin equals the CPU backend's paged_attention in F32") {
  for (const Shape& shape : {kQwen05b, kQwen7b}) {
    CAPTURE(shape.name);
    Batch b = make_batch(21, DType::kF32, shape.head_dim, shape.num_heads, shape.num_kv_heads, 16,
                         random_seqs(5, 5, shape.head_dim == 64 ? 1100 : 300));
    const float scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
    std::vector<float> twin(b.out_elems(), NAN), backend(b.out_elems(), NAN);
    cpu::attention_prefill(twin.data(), b.q.data(), b.kv(), b.batch(), shape.num_heads, scale);

    const vllmctl::cpu::PagedKvCache cache{reinterpret_cast<float*>(b.k_cache.data()),
                                           reinterpret_cast<float*>(b.v_cache.data()),
                                           b.block_size, b.num_kv_heads, b.head_dim};
    vllmctl::cpu::AttentionBatch meta{};
    meta.query_start = b.query_start.data();
    meta.context_lens = b.context_lens.data();
    meta.block_tables = b.block_tables.data();
    meta.max_blocks_per_seq = b.max_blocks_per_seq;
    meta.num_seqs = b.num_seqs();
    vllmctl::cpu::paged_attention(backend.data(), reinterpret_cast<const float*>(b.q.data()),
                                  cache, meta, shape.num_heads, scale);
    double max_err = 0;
    for (size_t i = 0; i < twin.size(); ++i) {
      max_err = std::fmax(max_err, std::fabs(twin[i] - backend[i]));
      if (std::isnan(twin[i]) || std::isnan(backend[i])) max_err = INFINITY;
    }
    CHECK(max_err < 2e-6);
  }
}

TEST_CASE("attention_prefill twin: padding sequences (context 0) give zero rows") {
  Batch b = make_batch(3, DType::kBF16, 64, 4, 2, 16, {{3, 40}, {1, 0}, {2, 0}, {5, 5}});
  std::vector<uint8_t> out(b.out_bytes(), 0xff);
  cpu::attention_prefill(out.data(), b.q.data(), b.kv(), b.batch(), 4, 0.125f);
  const std::vector<float> got = attention_test::to_f32(out, DType::kBF16);
  const std::vector<double> want = naive_attention(b, 0.125);
  CHECK(count_bad(got, want, DType::kBF16, "padding") == 0);
  for (int t = 3; t < 6; ++t) {
    for (int i = 0; i < 4 * 64; ++i) CHECK(got[t * 4 * 64 + i] == 0.0f);
  }
}

TEST_CASE("attention_prefill twin rejects bad shapes, naming the value") {
  Batch b = make_batch(4, DType::kF32, 64, 4, 2, 16, {{3, 10}});
  std::vector<float> out(b.out_elems());
  auto call = [&](PagedKv kv, AttentionBatch meta, int num_heads) {
    cpu::attention_prefill(out.data(), b.q.data(), kv, meta, num_heads, 0.125f);
  };
  PagedKv kv = b.kv();
  CHECK_NOTHROW(call(kv, b.batch(), 4));
  kv.head_dim = 96;
  CHECK_THROWS_WITH_AS(call(kv, b.batch(), 4),
                       doctest::Contains("head_dim 96 is not supported"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(call(b.kv(), b.batch(), 5), doctest::Contains("num_heads 5"),
                       std::invalid_argument);
  AttentionBatch meta = b.batch();
  meta.max_query_len = 2;
  CHECK_THROWS_WITH_AS(call(b.kv(), meta, 4), doctest::Contains("query_len 3"),
                       std::invalid_argument);
  meta = b.batch();
  meta.max_context_len = 9;
  CHECK_THROWS_WITH_AS(call(b.kv(), meta, 4), doctest::Contains("context_len 10"),
                       std::invalid_argument);
  kv = b.kv();
  kv.block_size = 0;
  CHECK_THROWS_WITH_AS(call(kv, b.batch(), 4), doctest::Contains("block_size 0"),
                       std::invalid_argument);
}

}  // namespace
}  // namespace vllmctl::kernels
