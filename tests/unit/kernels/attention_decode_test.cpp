// The decode attention twin against an independent double-precision attention on the
// logical K/V (every dtype, contexts long enough for several split-K partitions, padding
// slots and sequences without a query row), the workspace size, and the argument checks.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "kernels/attention_decode.h"
#include "tests/unit/kernels/attention_test_batch.h"

namespace vllmctl::kernels {
namespace {

using attention_test::Batch;
using attention_test::make_batch;
using attention_test::naive_attention;
using attention_test::SeqSpec;

// Decode batches: one row per sequence, contexts 1..1100 (1 to 5 partitions of 256), one
// padding slot (context 0) and one sequence with no row this step.
std::vector<SeqSpec> decode_seqs(uint64_t seed, int n) {
  attention_test::Rng rng(seed);
  std::vector<SeqSpec> seqs;
  for (int i = 0; i < n; ++i) seqs.push_back({1, rng.uniform_int(1, 1100)});
  seqs.push_back({1, 256});
  seqs.push_back({1, 257});
  seqs.push_back({0, 77});
  seqs.push_back({1, 0});
  return seqs;
}

void check_decode(int num_heads, int num_kv_heads, int head_dim, DType dtype, int block_size,
                  uint64_t seed) {
  Batch b = make_batch(seed, dtype, head_dim, num_heads, num_kv_heads, block_size,
                       decode_seqs(seed + 100, 7));
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const size_t ws_bytes = attention_decode_workspace_bytes(b.num_seqs(), num_heads, head_dim,
                                                           b.max_context_len);
  std::vector<float> workspace(ws_bytes / sizeof(float));
  std::vector<uint8_t> out(b.out_bytes(), 0xff);  // NaN in every dtype
  cpu::attention_decode(out.data(), b.q.data(), b.kv(), b.batch(), num_heads, scale,
                        workspace.data(), ws_bytes);
  const std::vector<float> got = attention_test::to_f32(out, dtype);
  const std::vector<double> want = naive_attention(b, scale);
  CHECK(attention_test::count_bad(got, want, dtype, "decode") == 0);
}

TEST_CASE("attention_decode workspace: none for one partition, else per (seq, head, partition)") {
  CHECK(kDecodePartitionSize == 256);
  CHECK(decode_num_partitions(0) == 0);
  CHECK(decode_num_partitions(256) == 1);
  CHECK(decode_num_partitions(257) == 2);
  CHECK(attention_decode_workspace_bytes(8, 14, 64, 256) == 0);
  CHECK(attention_decode_workspace_bytes(8, 14, 64, 257) == 8u * 14 * 2 * (2 + 64) * 4);
  CHECK(attention_decode_workspace_bytes(3, 28, 128, 4096) == 3u * 28 * 16 * (2 + 128) * 4);
}

TEST_CASE("attention_decode twin matches double-precision attention") {
  uint64_t seed = 31;
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    INFO("dtype ", static_cast<int>(dtype));
    check_decode(14, 2, 64, dtype, 16, seed++);   // Qwen2.5-0.5B: group 7
    check_decode(28, 4, 128, dtype, 32, seed++);  // Qwen2.5-7B: group 7
  }
  check_decode(8, 8, 128, DType::kBF16, 16, 41);   // multi-head: group 1
  check_decode(32, 2, 64, DType::kF16, 32, 42);    // group 16: two blocks per KV head on CUDA
  check_decode(12, 2, 128, DType::kBF16, 16, 43);  // group 6
}

TEST_CASE("attention_decode twin rejects prefill rows and a short workspace") {
  Batch b = make_batch(5, DType::kBF16, 64, 4, 2, 16, {{1, 600}, {1, 20}});
  std::vector<uint8_t> out(b.out_bytes());
  const size_t need = attention_decode_workspace_bytes(2, 4, 64, 600);
  REQUIRE(need > 0);
  std::vector<float> workspace(need / sizeof(float));
  CHECK_NOTHROW(cpu::attention_decode(out.data(), b.q.data(), b.kv(), b.batch(), 4, 0.125f,
                                      workspace.data(), need));
  CHECK_THROWS_WITH_AS(cpu::attention_decode(out.data(), b.q.data(), b.kv(), b.batch(), 4, 0.125f,
                                             workspace.data(), need - 4),
                       doctest::Contains("workspace_bytes"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(cpu::attention_decode(out.data(), b.q.data(), b.kv(), b.batch(), 4, 0.125f,
                                             nullptr, need),
                       doctest::Contains("workspace is null"), std::invalid_argument);
  AttentionBatch meta = b.batch();
  meta.max_query_len = 2;
  CHECK_THROWS_WITH_AS(cpu::attention_decode(out.data(), b.q.data(), b.kv(), meta, 4, 0.125f,
                                             workspace.data(), need),
                       doctest::Contains("max_query_len 2"), std::invalid_argument);
  PagedKv kv = b.kv();
  kv.head_dim = 80;
  CHECK_THROWS_WITH_AS(cpu::attention_decode(out.data(), b.q.data(), kv, b.batch(), 4, 0.125f,
                                             workspace.data(), need),
                       doctest::Contains("head_dim 80"), std::invalid_argument);
}

}  // namespace
}  // namespace vllmctl::kernels
