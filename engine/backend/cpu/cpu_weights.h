// CpuWeights: a model's tensors for the CPU backend. Matrices stay BF16 when the file is
// BF16 (decode streams half the bytes) and are F32 otherwise; vectors are F32. q/k/v and
// gate/up are fused into one matrix each so a layer runs two GEMMs fewer.
#pragma once

#include "engine/backend/cpu/matrix.h"
#include "engine/model/model_dir.h"

#include <vector>

namespace vllmctl::cpu {

struct LayerWeights {
  std::vector<float> input_norm;         // [hidden]
  Matrix qkv;                            // [q_size + 2 * kv_size, hidden]
  std::vector<float> qkv_bias;           // [q_size + 2 * kv_size] or empty
  std::vector<float> q_norm, k_norm;     // [head_dim] (Qwen3) or empty
  Matrix o_proj;                         // [hidden, q_size]
  std::vector<float> o_bias;             // [hidden] or empty
  std::vector<float> post_attention_norm;  // [hidden]
  Matrix gate_up;                        // [2 * intermediate, hidden]
  Matrix down;                           // [hidden, intermediate]
};

struct CpuWeights {
  Matrix embed_tokens;  // [vocab, hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;  // [hidden]
  Matrix lm_head;       // [vocab, hidden]; empty (0 rows) when tied to embed_tokens

  const Matrix& output_matrix() const { return lm_head.rows() > 0 ? lm_head : embed_tokens; }
  uint64_t size_bytes() const;
};

// REQUIRES: the model dir was validated (open_model_dir). MLP biases are not supported
// (no supported checkpoint has them) and are rejected with a clear error.
CpuWeights load_cpu_weights(const ModelDir& model);

}  // namespace vllmctl::cpu
