// CpuBackend::forward: embedding -> layers (attention, MLP) -> norm -> LM head.
#include "engine/backend/cpu/cpu_backend.h"

#include "engine/backend/cpu/ops.h"
#include "engine/backend/rope.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace vllmctl::cpu {

namespace {
void grow(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}
}  // namespace

uint64_t CpuBackend::kv_block_bytes(const ModelConfig& c, int block_size) {
  return 2ull * static_cast<uint64_t>(c.num_hidden_layers) * static_cast<uint64_t>(block_size) *
         static_cast<uint64_t>(c.kv_size()) * sizeof(float);
}

CpuBackend::CpuBackend(const ModelDir& model, const CpuBackendOptions& options)
    : config_(model.config), options_(options) {
  if (options.num_kv_blocks < 1 || options.block_size < 1) {
    throw std::runtime_error("the CPU backend needs at least one KV block");
  }
  if (config_.head_dim > 1024 || config_.head_dim % 2 != 0) {
    throw std::runtime_error(fmt::format("head_dim {} is not supported (even, at most 1024)", config_.head_dim));
  }
  if (config_.num_attention_heads % config_.num_key_value_heads != 0) {
    throw std::runtime_error("num_attention_heads must be a multiple of num_key_value_heads");
  }
  weights_ = load_cpu_weights(model);
  inv_freq_ = rope_inv_freq(config_);
  const size_t per_layer = static_cast<size_t>(options.num_kv_blocks) *
                           static_cast<size_t>(options.block_size) * static_cast<size_t>(config_.kv_size());
  for (int64_t l = 0; l < config_.num_hidden_layers; ++l) {
    k_cache_.emplace_back(new float[per_layer]);
    v_cache_.emplace_back(new float[per_layer]);
  }
}

std::string CpuBackend::describe() const {
  return fmt::format("cpu ({} weights, f32 compute, OpenBLAS, {} threads)",
                     weights_.embed_tokens.kind() == Matrix::Kind::kBF16 ? "bf16" : "f32",
                     std::thread::hardware_concurrency());
}

void CpuBackend::attention_block(int layer, const ForwardBatch& batch, int num_tokens) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const int nh = static_cast<int>(config_.num_attention_heads);
  const int nkv = static_cast<int>(config_.num_key_value_heads);
  const int hd = static_cast<int>(config_.head_dim);
  const int q_size = nh * hd, kv_size = nkv * hd, qkv_size = q_size + 2 * kv_size;

  linear(qkv_.data(), x_.data(), w.qkv, w.qkv_bias.empty() ? nullptr : w.qkv_bias.data(), num_tokens);
  for (int t = 0; t < num_tokens; ++t) {  // split [q | k | v] rows
    const float* row = qkv_.data() + static_cast<size_t>(t) * qkv_size;
    std::memcpy(q_.data() + static_cast<size_t>(t) * q_size, row, sizeof(float) * q_size);
    std::memcpy(k_.data() + static_cast<size_t>(t) * kv_size, row + q_size, sizeof(float) * kv_size);
    std::memcpy(v_.data() + static_cast<size_t>(t) * kv_size, row + q_size + kv_size, sizeof(float) * kv_size);
  }
  const auto eps = static_cast<float>(config_.rms_norm_eps);
  if (!w.q_norm.empty()) {  // Qwen3: per-head RMSNorm before RoPE
    rms_norm(q_.data(), q_.data(), w.q_norm.data(), num_tokens * nh, hd, eps);
    rms_norm(k_.data(), k_.data(), w.k_norm.data(), num_tokens * nkv, hd, eps);
  }
  rope_neox(q_.data(), batch.positions.data(), inv_freq_.data(), num_tokens, nh, hd);
  rope_neox(k_.data(), batch.positions.data(), inv_freq_.data(), num_tokens, nkv, hd);

  PagedKvCache cache{k_cache_[static_cast<size_t>(layer)].get(), v_cache_[static_cast<size_t>(layer)].get(),
                     options_.block_size, nkv, hd};
  write_kv(cache, k_.data(), v_.data(), batch.slot_mapping.data(), num_tokens);
  AttentionBatch ab{batch.query_start.data(), batch.context_lens.data(), batch.block_tables.data(),
                    batch.max_blocks_per_seq, batch.num_seqs()};
  paged_attention(attn_.data(), q_.data(), cache, ab, nh, 1.0f / std::sqrt(static_cast<float>(hd)));
  // o_proj writes into x_, which the fused add + norm folds into the residual.
  linear(x_.data(), attn_.data(), w.o_proj, w.o_bias.empty() ? nullptr : w.o_bias.data(), num_tokens);
}

void CpuBackend::mlp_block(int layer, int num_tokens) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const int inter = static_cast<int>(config_.intermediate_size);
  linear(gate_up_.data(), x_.data(), w.gate_up, nullptr, num_tokens);
  silu_and_mul(act_.data(), gate_up_.data(), num_tokens, inter);
  linear(x_.data(), act_.data(), w.down, nullptr, num_tokens);
}

std::span<float> CpuBackend::forward(const ForwardBatch& batch) {
  const int n = batch.num_tokens();
  const auto hidden = static_cast<size_t>(config_.hidden_size);
  const auto q_size = static_cast<size_t>(config_.q_size());
  const auto kv_size = static_cast<size_t>(config_.kv_size());
  const auto inter = static_cast<size_t>(config_.intermediate_size);
  const auto tokens = static_cast<size_t>(n);
  grow(residual_, tokens * hidden);
  grow(x_, tokens * hidden);
  grow(qkv_, tokens * (q_size + 2 * kv_size));
  grow(q_, tokens * q_size);
  grow(k_, tokens * kv_size);
  grow(v_, tokens * kv_size);
  grow(attn_, tokens * q_size);
  grow(gate_up_, tokens * 2 * inter);
  grow(act_, tokens * inter);

  for (int32_t id : batch.token_ids) {
    if (id < 0 || id >= config_.vocab_size) {
      throw std::invalid_argument(fmt::format("token id {} is outside the vocabulary (0..{})", id, config_.vocab_size - 1));
    }
  }
  embedding(residual_.data(), weights_.embed_tokens, batch.token_ids.data(), n);
  const auto eps = static_cast<float>(config_.rms_norm_eps);
  const int layers = static_cast<int>(config_.num_hidden_layers);
  for (int l = 0; l < layers; ++l) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(l)];
    if (l == 0) {
      rms_norm(x_.data(), residual_.data(), w.input_norm.data(), n, static_cast<int>(hidden), eps);
    } else {
      add_rms_norm(x_.data(), residual_.data(), w.input_norm.data(), n, static_cast<int>(hidden), eps);
    }
    attention_block(l, batch, n);
    add_rms_norm(x_.data(), residual_.data(), w.post_attention_norm.data(), n, static_cast<int>(hidden), eps);
    mlp_block(l, n);
  }
  add_rms_norm(x_.data(), residual_.data(), weights_.final_norm.data(), n, static_cast<int>(hidden), eps);

  // The LM head only for the rows that sample.
  const size_t num_rows = batch.sample_rows.size();
  grow(rows_, num_rows * hidden);
  for (size_t i = 0; i < num_rows; ++i) {
    std::memcpy(rows_.data() + i * hidden, x_.data() + static_cast<size_t>(batch.sample_rows[i]) * hidden,
                sizeof(float) * hidden);
  }
  const auto vocab = static_cast<size_t>(config_.vocab_size);
  grow(logits_, num_rows * vocab);
  if (num_rows > 0) {
    linear(logits_.data(), rows_.data(), weights_.output_matrix(), nullptr, static_cast<int>(num_rows));
  }
  return {logits_.data(), num_rows * vocab};
}

}  // namespace vllmctl::cpu
