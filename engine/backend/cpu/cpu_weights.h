// CpuWeights: a model's tensors converted to F32 for the CPU backend, with q/k/v and
// gate/up fused into one matrix each so a layer runs two GEMMs fewer.
#pragma once

#include "engine/model/model_dir.h"

#include <vector>

namespace vllmctl::cpu {

struct LayerWeights {
  std::vector<float> input_norm;         // [hidden]
  std::vector<float> qkv;                // [q_size + 2 * kv_size, hidden]
  std::vector<float> qkv_bias;           // [q_size + 2 * kv_size] or empty
  std::vector<float> q_norm, k_norm;     // [head_dim] (Qwen3) or empty
  std::vector<float> o_proj;             // [hidden, q_size]
  std::vector<float> o_bias;             // [hidden] or empty
  std::vector<float> post_attention_norm;  // [hidden]
  std::vector<float> gate_up;            // [2 * intermediate, hidden]
  std::vector<float> down;               // [hidden, intermediate]
};

struct CpuWeights {
  std::vector<float> embed_tokens;  // [vocab, hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;    // [hidden]
  std::vector<float> lm_head;       // [vocab, hidden]; empty when tied to embed_tokens

  const float* lm_head_data() const { return lm_head.empty() ? embed_tokens.data() : lm_head.data(); }
};

// REQUIRES: the model dir was validated (open_model_dir). MLP biases are not supported
// (no supported checkpoint has them) and are rejected with a clear error.
CpuWeights load_cpu_weights(const ModelDir& model);

}  // namespace vllmctl::cpu
