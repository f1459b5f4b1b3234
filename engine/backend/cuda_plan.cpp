// cuda_plan: sizing, staging layout and BF16 packing for the CUDA backend (plain C++).
#include "engine/backend/cuda_plan.h"

#include "kernels/attention_decode.h"
#include "kernels/kernel_types.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace vllmctl::cuda_plan {

namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
uint64_t u(int64_t v) { return static_cast<uint64_t>(std::max<int64_t>(v, 0)); }
int max_blocks_per_seq(const ActivationShape& s) { return (s.max_model_len + s.block_size - 1) / s.block_size; }
}  // namespace

uint64_t kv_block_bytes(const ModelConfig& c, int block_size, int elem_bytes) {
  return 2ull * u(c.num_hidden_layers) * u(block_size) * u(c.kv_size()) * u(elem_bytes);
}

size_t ArenaPlan::add(size_t bytes) {
  const size_t offset = total_;
  total_ += (bytes + kAlign - 1) / kAlign * kAlign;
  return offset;
}

ActivationBytes activation_bytes(const ModelConfig& c, const ActivationShape& s) {
  const uint64_t t = u(s.max_num_batched_tokens), seqs = u(s.max_num_seqs);
  const uint64_t hidden = u(c.hidden_size), q = u(c.q_size()), kv = u(c.kv_size());
  const uint64_t inter = u(c.intermediate_size), vocab = u(c.vocab_size);
  ActivationBytes a;
  // residual, x, qkv, q, k, attn, gate_up, act: bf16 [tokens, ...]; rows bf16 and logits f32.
  const uint64_t per_token = 2 * hidden + (q + 2 * kv) + q + kv + q + 2 * inter + inter;
  a.scratch = t * per_token * 2 + seqs * hidden * 2 + seqs * vocab * 4;
  a.decode_workspace = kernels::attention_decode_workspace_bytes(
      s.max_num_seqs, static_cast<int>(c.num_attention_heads), static_cast<int>(c.head_dim), s.max_model_len);
  a.metadata = max_metadata_ints(s) * 4;
  a.gemm_workspace = kGemmWorkspaceBytes;
  a.library_reserve = kLibraryReserveBytes;
  return a;
}

size_t max_metadata_ints(const ActivationShape& s) {
  const auto t = static_cast<size_t>(s.max_num_batched_tokens), seqs = static_cast<size_t>(s.max_num_seqs);
  return 3 * t + (seqs + 1) + seqs + seqs + seqs * static_cast<size_t>(max_blocks_per_seq(s));
}

KvCachePlan plan_kv_cache(uint64_t total, uint64_t free, double utilization, uint64_t weights,
                          uint64_t activations, uint64_t block_bytes) {
  if (!(utilization > 0.0 && utilization <= 1.0)) {
    throw std::runtime_error(fmt::format("gpu_memory_utilization {} must be in (0, 1]", utilization));
  }
  if (block_bytes == 0) throw std::runtime_error("a KV block of 0 bytes (model config without layers?)");
  KvCachePlan p;
  p.budget_bytes = static_cast<uint64_t>(static_cast<double>(total) * utilization);
  // `free` is measured before this process allocates anything: what others hold is not ours.
  if (free < p.budget_bytes) {
    throw std::runtime_error(fmt::format(
        "the GPU has {:.2f} GiB free of {:.2f} GiB, less than gpu_memory_utilization {} asks for ({:.2f} GiB); "
        "another process holds GPU memory: stop it or lower gpu_memory_utilization",
        free / kGiB, total / kGiB, utilization, p.budget_bytes / kGiB));
  }
  const uint64_t fixed = weights + activations;
  const uint64_t left = p.budget_bytes > fixed ? p.budget_bytes - fixed : 0;
  const uint64_t blocks = left / block_bytes;
  if (blocks < 1) {
    throw std::runtime_error(fmt::format(
        "the model does not fit: {:.2f} GiB of weights + {:.2f} GiB of activations leave no room for one "
        "KV block ({} bytes) in {:.2f} GiB ({} of {:.2f} GiB); raise gpu_memory_utilization, lower "
        "max_num_batched_tokens / max_num_seqs / max_model_len, or use a smaller model",
        weights / kGiB, activations / kGiB, block_bytes, p.budget_bytes / kGiB, utilization, total / kGiB));
  }
  p.num_blocks = static_cast<int>(std::min<uint64_t>(blocks, 1u << 30));
  p.kv_bytes = static_cast<uint64_t>(p.num_blocks) * block_bytes;
  return p;
}

namespace {

[[noreturn]] void step_error(const std::string& what) {
  throw std::invalid_argument("cuda backend step: " + what);
}

// What pack_step and pack_decode_step both require of a batch.
void check_step(const ForwardBatch& b, const ActivationShape& shape) {
  const size_t t = b.token_ids.size(), seqs = b.context_lens.size(), rows = b.sample_rows.size();
  if (b.positions.size() != t || b.slot_mapping.size() != t) step_error("positions/slot_mapping size != num_tokens");
  if (b.query_start.size() != seqs + 1) step_error("query_start size != num_seqs + 1");
  if (b.block_tables.size() != seqs * static_cast<size_t>(std::max(b.max_blocks_per_seq, 0))) {
    step_error("block_tables size != num_seqs * max_blocks_per_seq");
  }
  if (static_cast<int64_t>(t) > shape.max_num_batched_tokens) {
    step_error(fmt::format("{} tokens > max_num_batched_tokens {}", t, shape.max_num_batched_tokens));
  }
  if (static_cast<int64_t>(seqs) > shape.max_num_seqs) {
    step_error(fmt::format("{} sequences > max_num_seqs {}", seqs, shape.max_num_seqs));
  }
  if (b.max_blocks_per_seq > max_blocks_per_seq(shape)) {
    step_error(fmt::format("max_blocks_per_seq {} > what max_model_len {} needs", b.max_blocks_per_seq,
                           shape.max_model_len));
  }
  if (rows > seqs) step_error("more sample rows than sequences");
  for (int32_t r : b.sample_rows) {
    if (r < 0 || static_cast<size_t>(r) >= t) step_error(fmt::format("sample row {} outside 0..{}", r, t));
  }
}

}  // namespace

StepLayout pack_step(const ForwardBatch& b, const ActivationShape& shape, int32_t* staging,
                     size_t staging_ints) {
  check_step(b, shape);
  const size_t seqs = b.context_lens.size();
  StepLayout l;
  size_t at = 0;
  auto put = [&](const std::vector<int32_t>& v) {
    const size_t offset = at;
    if (at + v.size() > staging_ints) step_error("staging buffer too small");
    if (!v.empty()) std::memcpy(staging + at, v.data(), v.size() * sizeof(int32_t));
    at += v.size();
    return offset;
  };
  l.token_ids = put(b.token_ids);
  l.positions = put(b.positions);
  l.slot_mapping = put(b.slot_mapping);
  l.query_start = put(b.query_start);
  l.context_lens = put(b.context_lens);
  l.sample_rows = put(b.sample_rows);
  l.block_tables = put(b.block_tables);
  l.num_ints = at;
  l.num_seqs = static_cast<int>(seqs);
  l.max_blocks_per_seq = b.max_blocks_per_seq;
  l.all_decode = seqs > 0;
  for (size_t s = 0; s < seqs; ++s) {
    const int q = b.query_start[s + 1] - b.query_start[s];
    l.max_query_len = std::max(l.max_query_len, q);
    l.max_context_len = std::max(l.max_context_len, b.context_lens[s]);
    l.all_decode = l.all_decode && q == 1;
  }
  return l;
}

std::vector<int> decode_graph_buckets(const ActivationShape& shape) {
  const int cap = std::min({shape.max_num_seqs, shape.max_num_batched_tokens, kMaxGraphBatchSize});
  std::vector<int> buckets;
  for (int b : {1, 2, 4}) {
    if (b <= cap) buckets.push_back(b);
  }
  for (int b = 8; b <= cap; b += 8) buckets.push_back(b);
  if (cap >= 1 && buckets.back() != cap) buckets.push_back(cap);
  return buckets;
}

int decode_graph_context_len(const ActivationShape& shape) {
  return std::min(shape.max_model_len, kMaxGraphContextLen);
}

int decode_graph_bucket(const ForwardBatch& b, const ActivationShape& shape, const std::vector<int>& buckets) {
  const size_t seqs = b.context_lens.size();
  if (seqs == 0 || buckets.empty() || seqs > static_cast<size_t>(buckets.back())) return 0;
  if (b.token_ids.size() != seqs || b.query_start.size() != seqs + 1) return 0;
  for (size_t s = 0; s < seqs; ++s) {
    if (b.query_start[s] != static_cast<int32_t>(s) || b.query_start[s + 1] != static_cast<int32_t>(s + 1)) return 0;
    if (b.context_lens[s] < 1 || b.context_lens[s] > decode_graph_context_len(shape)) return 0;
  }
  return *std::lower_bound(buckets.begin(), buckets.end(), static_cast<int>(seqs));
}

StepLayout decode_graph_layout(const ActivationShape& shape, int bucket) {
  if (bucket < 1 || bucket > shape.max_num_seqs || bucket > shape.max_num_batched_tokens) {
    step_error(fmt::format("decode graph bucket {} outside 1..min(max_num_seqs {}, max_num_batched_tokens {})", bucket,
                           shape.max_num_seqs, shape.max_num_batched_tokens));
  }
  const auto n = static_cast<size_t>(bucket);
  StepLayout l;
  l.token_ids = 0;
  l.positions = l.token_ids + n;
  l.slot_mapping = l.positions + n;
  l.query_start = l.slot_mapping + n;
  l.context_lens = l.query_start + n + 1;
  l.sample_rows = l.context_lens + n;
  l.block_tables = l.sample_rows + n;
  const int context_len = decode_graph_context_len(shape);
  l.max_blocks_per_seq = (context_len + shape.block_size - 1) / shape.block_size;
  l.num_ints = l.block_tables + n * static_cast<size_t>(l.max_blocks_per_seq);
  l.num_seqs = bucket;
  l.max_query_len = 1;
  l.max_context_len = context_len;
  l.all_decode = true;
  return l;
}

StepLayout pack_decode_step(const ForwardBatch& b, const ActivationShape& shape, int bucket, int32_t* staging,
                            size_t staging_ints) {
  check_step(b, shape);
  const StepLayout l = decode_graph_layout(shape, bucket);
  const size_t seqs = b.context_lens.size(), n = static_cast<size_t>(bucket);
  if (seqs > n) step_error(fmt::format("{} sequences > decode graph bucket {}", seqs, bucket));
  if (b.token_ids.size() != seqs) step_error("a decode graph step has one token per sequence");
  for (size_t s = 0; s < seqs; ++s) {
    if (b.query_start[s] != static_cast<int32_t>(s) || b.query_start[s + 1] != static_cast<int32_t>(s + 1)) {
      step_error(fmt::format("sequence {} has not exactly one query token", s));
    }
    if (b.context_lens[s] < 1 || b.context_lens[s] > l.max_context_len) {
      step_error(fmt::format("context_len {} outside 1..{} (the decode graphs' min(max_model_len, {}))",
                             b.context_lens[s], l.max_context_len, kMaxGraphContextLen));
    }
  }
  if (l.num_ints > staging_ints) step_error("staging buffer too small");
  // Real rows, then padding; every array filled to its full bucket size.
  auto fill = [&](size_t offset, const std::vector<int32_t>& v, size_t count, int32_t pad) {
    std::copy(v.begin(), v.end(), staging + offset);
    std::fill(staging + offset + v.size(), staging + offset + count, pad);
  };
  fill(l.token_ids, b.token_ids, n, 0);
  fill(l.positions, b.positions, n, 0);
  fill(l.slot_mapping, b.slot_mapping, n, -1);
  for (size_t s = 0; s <= n; ++s) staging[l.query_start + s] = static_cast<int32_t>(s);
  fill(l.context_lens, b.context_lens, n, 0);
  fill(l.sample_rows, b.sample_rows, n, 0);
  const auto width = static_cast<size_t>(l.max_blocks_per_seq);
  const auto given = static_cast<size_t>(std::max(b.max_blocks_per_seq, 0));
  std::fill(staging + l.block_tables, staging + l.num_ints, 0);
  // Entries past `width` are past the context (checked above): never read.
  for (size_t s = 0; s < seqs; ++s) {
    std::copy_n(b.block_tables.begin() + static_cast<std::ptrdiff_t>(s * given), std::min(given, width),
                staging + l.block_tables + s * width);
  }
  return l;
}

std::vector<uint16_t> to_bf16(const cpu::Matrix& m) {
  const size_t n = static_cast<size_t>(m.rows() * m.cols());
  if (m.kind() == cpu::Matrix::Kind::kBF16) return {m.bf16_data(), m.bf16_data() + n};
  std::vector<uint16_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = kernels::f32_to_bf16(m.f32_data()[i]);
  return out;
}

std::vector<uint16_t> to_bf16(const std::vector<float>& v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = kernels::f32_to_bf16(v[i]);
  return out;
}

}  // namespace vllmctl::cuda_plan
