// CpuBackend: the whole decoder forward pass on the CPU in F32, over the paged KV cache.
// The reference every other backend is tested against.
#pragma once

#include "engine/backend/backend.h"
#include "engine/backend/cpu/cpu_weights.h"
#include "engine/model/model_config.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace vllmctl::cpu {

struct CpuBackendOptions {
  int num_kv_blocks = 0;  // REQUIRES: >= 1
  int block_size = 16;
};

class CpuBackend final : public Backend {
 public:
  // Converts the weights to F32 and allocates the KV cache (num_kv_blocks * block_size
  // tokens in every layer). Throws std::runtime_error on an unsupported model.
  CpuBackend(const ModelDir& model, const CpuBackendOptions& options);

  std::span<float> forward(const ForwardBatch& batch) override;
  int vocab_size() const override { return static_cast<int>(config_.vocab_size); }
  int num_kv_blocks() const override { return options_.num_kv_blocks; }
  int block_size() const override { return options_.block_size; }
  std::string describe() const override;

  // Bytes of KV cache one block takes across all layers (F32 K and V).
  static uint64_t kv_block_bytes(const ModelConfig& config, int block_size);

 private:
  void attention_block(int layer, const ForwardBatch& batch, int num_tokens);
  void mlp_block(int layer, int num_tokens);

  ModelConfig config_;
  CpuBackendOptions options_;
  CpuWeights weights_;
  std::vector<float> inv_freq_;
  // Per layer; allocated without touching, so the OS commits pages only as slots fill.
  std::vector<std::unique_ptr<float[]>> k_cache_, v_cache_;

  // Scratch, grown to the largest batch seen and reused.
  std::vector<float> residual_, x_, qkv_, q_, k_, v_, attn_, gate_up_, act_, rows_, logits_;
};

}  // namespace vllmctl::cpu
