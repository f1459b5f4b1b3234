// rope_inv_freq, including the llama3 rope_type (transformers' _compute_llama3_parameters).
#include "engine/backend/rope.h"

#include <cmath>
#include <numbers>

namespace vllmctl {

std::vector<float> rope_inv_freq(const ModelConfig& config) {
  const auto half = static_cast<size_t>(config.head_dim / 2);
  std::vector<float> inv(half);
  for (size_t i = 0; i < half; ++i) {
    double f = 1.0 / std::pow(config.rope_theta, static_cast<double>(2 * i) / static_cast<double>(config.head_dim));
    if (const auto& s = config.rope_scaling) {
      const double old_len = static_cast<double>(s->original_max_position_embeddings);
      const double low_freq_wavelen = old_len / s->low_freq_factor;
      const double high_freq_wavelen = old_len / s->high_freq_factor;
      const double wavelen = 2.0 * std::numbers::pi / f;
      if (wavelen > low_freq_wavelen) {
        f /= s->factor;  // long wavelengths: interpolate fully
      } else if (wavelen >= high_freq_wavelen) {
        const double smooth = (old_len / wavelen - s->low_freq_factor) /
                              (s->high_freq_factor - s->low_freq_factor);
        f = (1.0 - smooth) * f / s->factor + smooth * f;
      }  // short wavelengths: unchanged
    }
    inv[i] = static_cast<float>(f);
  }
  return inv;
}

}  // namespace vllmctl
