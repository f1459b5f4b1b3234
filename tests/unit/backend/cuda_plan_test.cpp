// The CUDA backend's host-side arithmetic (engine/backend/cuda_plan.h): KV-cache sizing,
// the step metadata's staging layout, the weights arena and BF16 packing. No GPU needed.
#include "engine/backend/cuda_plan.h"

#include "kernels/attention_decode.h"

#include <doctest/doctest.h>

#include <stdexcept>

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

TEST_CASE("to_bf16 keeps bf16 bits and rounds f32 to nearest even") {
  const cpu::Matrix bf = cpu::Matrix::bf16({0x3f80, 0xc000, 0x0001, 0x7f80}, 2, 2);
  CHECK(to_bf16(bf) == std::vector<uint16_t>{0x3f80, 0xc000, 0x0001, 0x7f80});
  const cpu::Matrix f = cpu::Matrix::f32({1.0f, -2.0f, 1.00390625f, 3.0f}, 1, 4);
  // 1 + 2^-8 is a tie between bf16 1.0 and 1.0078125: ties to even (1.0).
  CHECK(to_bf16(f) == std::vector<uint16_t>{0x3f80, 0xc000, 0x3f80, 0x4040});
  CHECK(to_bf16(std::vector<float>{0.5f}) == std::vector<uint16_t>{0x3f00});
  CHECK(to_bf16(std::vector<float>{}).empty());
}
