// The CUDA backend's host-side arithmetic (engine/backend/cuda_plan.h): KV-cache sizing,
// the step metadata's staging layout, the weights arena and BF16 packing. No GPU needed.
#include "engine/backend/cuda_plan.h"

#include "kernels/attention_decode.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

using namespace vllmctl;
using namespace vllmctl::cuda_plan;

namespace {

constexpr uint64_t kGiB = 1ull << 30;

// Qwen2.5-7B's shape.
ModelConfig qwen7b() {
  ModelConfig c;
  c.hidden_size = 3584;
  c.intermediate_size = 18944;
  c.num_hidden_layers = 28;
  c.num_attention_heads = 28;
  c.num_key_value_heads = 4;
  c.head_dim = 128;
  c.vocab_size = 152064;
  return c;
}

ForwardBatch two_seq_batch() {
  // seq 0: prefill of 3 tokens (positions 0..2); seq 1: one decode token at position 17.
  ForwardBatch b;
  b.token_ids = {11, 12, 13, 14};
  b.positions = {0, 1, 2, 17};
  b.slot_mapping = {32, 33, 34, 17};
  b.query_start = {0, 3, 4};
  b.context_lens = {3, 18};
  b.max_blocks_per_seq = 2;
  b.block_tables = {2, 0, 0, 1};
  b.sample_rows = {2, 3};
  b.sample_seqs = {0, 1};
  return b;
}

}  // namespace

TEST_CASE("kv_block_bytes counts K and V of every layer in bf16") {
  // 2 (K, V) * 28 layers * 16 tokens * 4 heads * 128 dims * 2 bytes
  CHECK(kv_block_bytes(qwen7b(), 16) == 2ull * 28 * 16 * 512 * 2);
  CHECK(kv_block_bytes(qwen7b(), 16, 4) == 2 * kv_block_bytes(qwen7b(), 16));
}

TEST_CASE("ArenaPlan aligns every piece to 256 bytes") {
  ArenaPlan a;
  CHECK(a.add(10) == 0);
  CHECK(a.add(256) == 256);
  CHECK(a.add(1) == 512);
  CHECK(a.total_bytes() == 768);
  CHECK(a.add(0) == 768);
  CHECK(a.total_bytes() == 768);
}

TEST_CASE("activation_bytes: scratch scales with batched tokens, logits with sequences") {
  const ModelConfig c = qwen7b();
  ActivationShape s{2048, 256, 32768, 16};
  const ActivationBytes a = activation_bytes(c, s);
  const uint64_t per_token = 2 * 3584 + (3584 + 1024) + 3584 + 512 + 3584 + 2 * 18944 + 18944;
  CHECK(a.scratch == 2048 * per_token * 2 + 256ull * 3584 * 2 + 256ull * 152064 * 4);
  CHECK(a.decode_workspace == kernels::attention_decode_workspace_bytes(256, 28, 128, 32768));
  CHECK(a.metadata == max_metadata_ints(s) * 4);
  CHECK(a.total() == a.scratch + a.decode_workspace + a.metadata + kGemmWorkspaceBytes + kLibraryReserveBytes);
  // About 0.9 GiB of scratch + 0.45 GiB of split-K partials for this shape: the estimate is sane.
  CHECK(a.total() > kGiB);
  CHECK(a.total() < 3 * kGiB);
}

TEST_CASE("max_metadata_ints covers the largest step") {
  ActivationShape s{100, 8, 64, 16};
  // 3 * tokens + (seqs + 1) + seqs + seqs (sample rows) + seqs * ceil(64 / 16)
  CHECK(max_metadata_ints(s) == 300 + 9 + 8 + 8 + 32);
}

TEST_CASE("plan_kv_cache gives the KV cache what utilization leaves") {
  const uint64_t total = 140 * kGiB, block = kv_block_bytes(qwen7b(), 16);
  const KvCachePlan p = plan_kv_cache(total, 139 * kGiB, 0.9, 15 * kGiB, 2 * kGiB, block);
  CHECK(p.budget_bytes == static_cast<uint64_t>(total * 0.9));
  CHECK(p.num_blocks == static_cast<int>((p.budget_bytes - 17 * kGiB) / block));
  CHECK(p.kv_bytes == static_cast<uint64_t>(p.num_blocks) * block);
  CHECK(p.kv_bytes + 17 * kGiB <= p.budget_bytes);
}

TEST_CASE("plan_kv_cache refuses a model that does not fit, naming the numbers") {
  const uint64_t block = kv_block_bytes(qwen7b(), 16);
  try {
    plan_kv_cache(24 * kGiB, 24 * kGiB, 0.9, 20 * kGiB, 2 * kGiB, block);
    FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.find("does not fit") != std::string::npos);
    CHECK(what.find("20.00 GiB of weights") != std::string::npos);
    CHECK(what.find("gpu_memory_utilization") != std::string::npos);
  }
}

TEST_CASE("plan_kv_cache refuses when another process holds the memory, and bad fractions") {
  const uint64_t block = kv_block_bytes(qwen7b(), 16);
  CHECK_THROWS_WITH_AS(plan_kv_cache(80 * kGiB, 40 * kGiB, 0.9, kGiB, kGiB, block),
                       doctest::Contains("another process"), std::runtime_error);
  CHECK_THROWS_AS(plan_kv_cache(80 * kGiB, 80 * kGiB, 0.0, kGiB, kGiB, block), std::runtime_error);
  CHECK_THROWS_AS(plan_kv_cache(80 * kGiB, 80 * kGiB, 1.5, kGiB, kGiB, block), std::runtime_error);
  CHECK_NOTHROW(plan_kv_cache(80 * kGiB, 80 * kGiB, 1.0, kGiB, kGiB, block));
}

TEST_CASE("pack_step lays the arrays out back to back and finds the attention shape") {
  const ForwardBatch b = two_seq_batch();
  const ActivationShape shape{16, 4, 64, 16};
  std::vector<int32_t> staging(max_metadata_ints(shape), -7);
  const StepLayout l = pack_step(b, shape, staging.data(), staging.size());
  CHECK(l.token_ids == 0);
  CHECK(l.positions == 4);
  CHECK(l.slot_mapping == 8);
  CHECK(l.query_start == 12);
  CHECK(l.context_lens == 15);
  CHECK(l.sample_rows == 17);
  CHECK(l.block_tables == 19);
  CHECK(l.num_ints == 23);
  CHECK(l.num_seqs == 2);
  CHECK(l.max_blocks_per_seq == 2);
  CHECK(l.max_query_len == 3);
  CHECK(l.max_context_len == 18);
  CHECK_FALSE(l.all_decode);
  const std::vector<int32_t> want = {11, 12, 13, 14, 0, 1, 2, 17, 32, 33, 34, 17, 0, 3, 4, 3, 18, 2, 3, 2, 0, 0, 1};
  CHECK(std::vector<int32_t>(staging.begin(), staging.begin() + 23) == want);
  CHECK(staging[23] == -7);  // nothing written past the step
}

TEST_CASE("pack_step: an all-decode step takes the decode kernel") {
  ForwardBatch b;
  b.token_ids = {5, 6};
  b.positions = {9, 40};
  b.slot_mapping = {9, 56};
  b.query_start = {0, 1, 2};
  b.context_lens = {10, 41};
  b.max_blocks_per_seq = 3;
  b.block_tables = {0, 0, 0, 1, 2, 3};
  b.sample_rows = {0, 1};
  const ActivationShape shape{16, 4, 64, 16};
  std::vector<int32_t> staging(max_metadata_ints(shape));
  const StepLayout l = pack_step(b, shape, staging.data(), staging.size());
  CHECK(l.all_decode);
  CHECK(l.max_query_len == 1);
  CHECK(l.max_context_len == 41);
}

TEST_CASE("pack_step rejects steps bigger than the buffers and inconsistent arrays") {
  const ActivationShape shape{3, 4, 64, 16};
  std::vector<int32_t> staging(max_metadata_ints(shape));
  CHECK_THROWS_WITH_AS(pack_step(two_seq_batch(), shape, staging.data(), staging.size()),
                       doctest::Contains("max_num_batched_tokens"), std::invalid_argument);
  const ActivationShape roomy{16, 4, 64, 16};
  ForwardBatch b = two_seq_batch();
  b.positions.pop_back();
  CHECK_THROWS_AS(pack_step(b, roomy, staging.data(), staging.size()), std::invalid_argument);
  b = two_seq_batch();
  b.sample_rows = {2, 9};
  CHECK_THROWS_AS(pack_step(b, roomy, staging.data(), staging.size()), std::invalid_argument);
  b = two_seq_batch();
  CHECK_THROWS_AS(pack_step(b, ActivationShape{16, 1, 64, 16}, staging.data(), staging.size()),
                  std::invalid_argument);
  CHECK_THROWS_AS(pack_step(b, ActivationShape{16, 4, 16, 16}, staging.data(), staging.size()),
                  std::invalid_argument);  // 2 blocks per sequence > what max_model_len 16 needs
}

namespace {

// n decode sequences: sequence s at position 3 * s + 5 (context 3 * s + 6), block table
// {s + 1, s + 2} two wide, sampling every row but the first.
ForwardBatch decode_batch(int n) {
  ForwardBatch b;
  b.max_blocks_per_seq = 2;
  b.query_start.push_back(0);
  for (int s = 0; s < n; ++s) {
    b.token_ids.push_back(100 + s);
    b.positions.push_back(3 * s + 5);
    b.slot_mapping.push_back(16 * (s + 1) + 5);
    b.query_start.push_back(s + 1);
    b.context_lens.push_back(3 * s + 6);
    b.block_tables.push_back(s + 1);
    b.block_tables.push_back(s + 2);
    if (s > 0) {
      b.sample_rows.push_back(s);
      b.sample_seqs.push_back(s);
    }
  }
  return b;
}

}  // namespace

TEST_CASE("decode_graph_buckets: vLLM's capture sizes up to min(max_num_seqs, tokens, 512)") {
  CHECK(decode_graph_buckets({2048, 256, 4096, 16}).size() == 3 + 32);
  CHECK(decode_graph_buckets({2048, 256, 4096, 16}).back() == 256);
  CHECK(decode_graph_buckets({2048, 24, 4096, 16}) == std::vector<int>{1, 2, 4, 8, 16, 24});
  CHECK(decode_graph_buckets({2048, 1024, 4096, 16}).back() == 512);
  CHECK(decode_graph_buckets({2048, 1024, 4096, 16}).size() == 3 + 64);
  // A cap that is none of vLLM's sizes is the last bucket; the token budget caps too.
  CHECK(decode_graph_buckets({2048, 3, 4096, 16}) == std::vector<int>{1, 2, 3});
  CHECK(decode_graph_buckets({2048, 20, 4096, 16}) == std::vector<int>{1, 2, 4, 8, 16, 20});
  CHECK(decode_graph_buckets({12, 256, 4096, 16}) == std::vector<int>{1, 2, 4, 8, 12});
  CHECK(decode_graph_buckets({2048, 1, 4096, 16}) == std::vector<int>{1});
}

TEST_CASE("decode_graph_bucket: the smallest bucket that holds an all-decode step, else 0") {
  const ActivationShape shape{64, 16, 64, 16};
  const std::vector<int> buckets = decode_graph_buckets(shape);
  REQUIRE(buckets == std::vector<int>{1, 2, 4, 8, 16});
  CHECK(decode_graph_bucket(decode_batch(1), shape, buckets) == 1);
  CHECK(decode_graph_bucket(decode_batch(3), shape, buckets) == 4);
  CHECK(decode_graph_bucket(decode_batch(4), shape, buckets) == 4);
  CHECK(decode_graph_bucket(decode_batch(5), shape, buckets) == 8);
  CHECK(decode_graph_bucket(decode_batch(9), shape, buckets) == 16);
  CHECK(decode_graph_bucket(decode_batch(0), shape, buckets) == 0);
  CHECK(decode_graph_bucket(two_seq_batch(), shape, buckets) == 0);  // prefill tokens: eager
  CHECK(decode_graph_bucket(decode_batch(9), shape, {1, 2, 4, 8}) == 0);  // past the largest
  CHECK(decode_graph_bucket(decode_batch(3), shape, {}) == 0);           // enforce_eager
  ForwardBatch b = decode_batch(3);
  b.context_lens[1] = 65;  // past max_model_len: the captured grid would not cover it
  CHECK(decode_graph_bucket(b, shape, buckets) == 0);
  // Past the graphs' context cap (vLLM's max_seq_len_to_capture): eager.
  const ActivationShape long_model{64, 16, 32768, 16};
  CHECK(decode_graph_context_len(long_model) == kMaxGraphContextLen);
  CHECK(decode_graph_context_len(shape) == 64);
  b = decode_batch(3);
  b.context_lens[2] = kMaxGraphContextLen;
  CHECK(decode_graph_bucket(b, long_model, buckets) == 4);
  b.context_lens[2] = kMaxGraphContextLen + 1;
  CHECK(decode_graph_bucket(b, long_model, buckets) == 0);
  b = decode_batch(3);
  b.query_start = {0, 1, 2};  // inconsistent: pack_step's error, not a graph
  CHECK(decode_graph_bucket(b, shape, buckets) == 0);
}

TEST_CASE("decode_graph_layout: fixed offsets per bucket, block tables as wide as the graph context (min(max_model_len, 8192))") {
  const ActivationShape shape{64, 16, 100, 16};  // 7 blocks per sequence
  const StepLayout l = decode_graph_layout(shape, 8);
  CHECK(l.token_ids == 0);
  CHECK(l.positions == 8);
  CHECK(l.slot_mapping == 16);
  CHECK(l.query_start == 24);
  CHECK(l.context_lens == 33);
  CHECK(l.sample_rows == 41);
  CHECK(l.block_tables == 49);
  CHECK(l.num_ints == 49 + 8 * 7);
  CHECK(l.num_seqs == 8);
  CHECK(l.max_blocks_per_seq == 7);
  CHECK(l.max_query_len == 1);
  CHECK(l.max_context_len == 100);
  CHECK(l.all_decode);
  // Every bucket's layout fits the staging buffer.
  for (int bucket : decode_graph_buckets(shape)) {
    CHECK(decode_graph_layout(shape, bucket).num_ints <= max_metadata_ints(shape));
  }
  // A long max_model_len: the grid and block tables cover the capture cap only.
  const StepLayout capped = decode_graph_layout({64, 16, 32768, 16}, 2);
  CHECK(capped.max_context_len == kMaxGraphContextLen);
  CHECK(capped.max_blocks_per_seq == kMaxGraphContextLen / 16);
  CHECK(capped.num_ints == capped.block_tables + 2 * (kMaxGraphContextLen / 16));
  CHECK_THROWS_AS(decode_graph_layout(shape, 17), std::invalid_argument);
  CHECK_THROWS_AS(decode_graph_layout(shape, 0), std::invalid_argument);
  CHECK_THROWS_AS(decode_graph_layout({4, 16, 100, 16}, 8), std::invalid_argument);
}

TEST_CASE("pack_decode_step pads to the bucket: slot -1, context 0, sample rows unchanged") {
  const ActivationShape shape{64, 16, 64, 16};  // 4 blocks per sequence
  std::vector<int32_t> staging(max_metadata_ints(shape), -7);
  const ForwardBatch b = decode_batch(3);
  const StepLayout l = pack_decode_step(b, shape, 4, staging.data(), staging.size());
  const StepLayout fixed = decode_graph_layout(shape, 4);
  CHECK(l.token_ids == fixed.token_ids);
  CHECK(l.positions == fixed.positions);
  CHECK(l.slot_mapping == fixed.slot_mapping);
  CHECK(l.query_start == fixed.query_start);
  CHECK(l.context_lens == fixed.context_lens);
  CHECK(l.sample_rows == fixed.sample_rows);
  CHECK(l.block_tables == fixed.block_tables);
  CHECK(l.num_ints == fixed.num_ints);
  CHECK(l.num_seqs == 4);
  CHECK(l.max_blocks_per_seq == 4);
  CHECK(l.max_context_len == 64);
  auto slice = [&](size_t offset, size_t n) {
    return std::vector<int32_t>(staging.begin() + static_cast<std::ptrdiff_t>(offset),
                                staging.begin() + static_cast<std::ptrdiff_t>(offset + n));
  };
  CHECK(slice(l.token_ids, 4) == std::vector<int32_t>{100, 101, 102, 0});
  CHECK(slice(l.positions, 4) == std::vector<int32_t>{5, 8, 11, 0});
  CHECK(slice(l.slot_mapping, 4) == std::vector<int32_t>{21, 37, 53, -1});
  CHECK(slice(l.query_start, 5) == std::vector<int32_t>{0, 1, 2, 3, 4});
  CHECK(slice(l.context_lens, 4) == std::vector<int32_t>{6, 9, 12, 0});
  CHECK(slice(l.sample_rows, 2) == b.sample_rows);
  CHECK(slice(l.block_tables, 16) ==
        std::vector<int32_t>{1, 2, 0, 0, 2, 3, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0});
  CHECK(staging[l.num_ints] == -7);  // nothing written past the padded step

  // Block-table rows wider than the layout (max_model_len past the capture cap) are cut to
  // it: a replayed context fits the cap, so the entries past it are never read.
  const ActivationShape past_cap{64, 16, kMaxGraphContextLen + 32, 16};  // 514 blocks; graphs 512
  ForwardBatch wide = decode_batch(1);
  wide.max_blocks_per_seq = 514;
  wide.block_tables.resize(514);
  for (size_t j = 0; j < wide.block_tables.size(); ++j) wide.block_tables[j] = static_cast<int32_t>(j + 1);
  std::vector<int32_t> big(max_metadata_ints(past_cap), -7);
  const StepLayout cut = pack_decode_step(wide, past_cap, 1, big.data(), big.size());
  CHECK(cut.max_blocks_per_seq == 512);
  CHECK(cut.num_ints == cut.block_tables + 512);
  CHECK(big[cut.block_tables] == 1);
  CHECK(big[cut.block_tables + 511] == 512);
  CHECK(big[cut.num_ints] == -7);

  // An exact bucket has no padding rows; an empty step is all padding (the capture's warm-up).
  const StepLayout exact = pack_decode_step(decode_batch(8), shape, 8, staging.data(), staging.size());
  CHECK(exact.num_ints == decode_graph_layout(shape, 8).num_ints);
  CHECK(slice(exact.slot_mapping, 8) == decode_batch(8).slot_mapping);
  ForwardBatch empty;
  empty.query_start = {0};
  const StepLayout pad = pack_decode_step(empty, shape, 2, staging.data(), staging.size());
  CHECK(slice(pad.slot_mapping, 2) == std::vector<int32_t>{-1, -1});
  CHECK(slice(pad.context_lens, 2) == std::vector<int32_t>{0, 0});
  CHECK(slice(pad.query_start, 3) == std::vector<int32_t>{0, 1, 2});
}

TEST_CASE("pack_decode_step rejects what its graph cannot run") {
  const ActivationShape shape{64, 16, 64, 16};
  std::vector<int32_t> staging(max_metadata_ints(shape));
  CHECK_THROWS_WITH_AS(pack_decode_step(decode_batch(5), shape, 4, staging.data(), staging.size()),
                       doctest::Contains("bucket 4"), std::invalid_argument);
  CHECK_THROWS_AS(pack_decode_step(two_seq_batch(), shape, 4, staging.data(), staging.size()),
                  std::invalid_argument);
  ForwardBatch b = decode_batch(2);
  b.context_lens[0] = 65;
  CHECK_THROWS_WITH_AS(pack_decode_step(b, shape, 2, staging.data(), staging.size()),
                       doctest::Contains("max_model_len"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(pack_decode_step(decode_batch(4), shape, 4, staging.data(), 10),
                       doctest::Contains("staging"), std::invalid_argument);
}

TEST_CASE("to_bf16 keeps bf16 bits and rounds f32 to nearest even") {
  const cpu::Matrix bf = cpu::Matrix::bf16({0x3f80, 0xc000, 0x0001, 0x7f80}, 2, 2);
  CHECK(to_bf16(bf) == std::vector<uint16_t>{0x3f80, 0xc000, 0x0001, 0x7f80});
  const cpu::Matrix f = cpu::Matrix::f32({1.0f, -2.0f, 1.00390625f, 3.0f}, 1, 4);
  // 1 + 2^-8 is a tie between bf16 1.0 and 1.0078125: ties to even (1.0).
  CHECK(to_bf16(f) == std::vector<uint16_t>{0x3f80, 0xc000, 0x3f80, 0x4040});
  CHECK(to_bf16(std::vector<float>{0.5f}) == std::vector<uint16_t>{0x3f00});
  CHECK(to_bf16(std::vector<float>{}).empty());
}
