// cuda_model_unsupported: the model shapes the CUDA kernels handle. Plain C++, so the
// device choice can ask before any CUDA call and builds without CUDA can answer too.
#include "engine/backend/cuda_backend_factory.h"

#include <fmt/format.h>

namespace vllmctl {

std::string cuda_model_unsupported(const ModelConfig& config) {
  if (config.head_dim != 64 && config.head_dim != 128) {
    return fmt::format("the CUDA attention kernels take head_dim 64 or 128, and this model's is {}", config.head_dim);
  }
  if (config.num_key_value_heads < 1 || config.num_attention_heads % config.num_key_value_heads != 0) {
    return fmt::format("num_attention_heads ({}) is not a multiple of num_key_value_heads ({})",
                       config.num_attention_heads, config.num_key_value_heads);
  }
  return {};
}

}  // namespace vllmctl
