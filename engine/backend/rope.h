// RoPE inverse frequencies for a model: theta^(-2i/d), with Llama 3's frequency-
// dependent scaling when the config asks for it. Shared by the CPU and CUDA backends.
#pragma once

#include "engine/model/model_config.h"

#include <vector>

namespace vllmctl {

// [head_dim / 2] inverse frequencies.
std::vector<float> rope_inv_freq(const ModelConfig& config);

}  // namespace vllmctl
