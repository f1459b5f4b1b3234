// The tensors an architecture's checkpoint holds (HF names, [out, in] shapes from the
// config), and the check that a checkpoint holds exactly those, in a dtype we can load.
#pragma once

#include "engine/model/model_config.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

class SafetensorsCheckpoint;

// What a tensor is for; picks its initialization in demo models.
enum class TensorRole { kEmbedding, kLmHead, kProjection, kBias, kNorm };

struct ExpectedTensor {
  std::string name;
  std::vector<uint64_t> shape;
  TensorRole role = TensorRole::kProjection;
  bool optional = false;  // lm_head.weight of a tied model may or may not be stored
};

// In model order: embed_tokens, each layer (input_layernorm, q/k/v/o, q/k_norm,
// post_attention_layernorm, gate/up/down), model.norm, lm_head. Qwen2.5-0.5B: 290
// required tensors plus the optional lm_head.weight.
std::vector<ExpectedTensor> expected_weight_layout(const ModelConfig& config);

// Tensors a checkpoint may carry that the engine ignores (old rotary inv_freq buffers).
bool is_ignored_tensor(std::string_view name);

// Throws ModelFileError naming the file and tensor for: a missing tensor, a tensor of the
// wrong shape, a dtype other than F32/F16/BF16, or a tensor the architecture has no use for.
void validate_weight_layout(const ModelConfig& config, const SafetensorsCheckpoint& checkpoint);

}  // namespace vllmctl
