// CPU twin of neox RoPE: ops.cpp's math on strided q and k rows of any dtype.
#include "kernels/rope.h"

#include <cmath>
#include <vector>

namespace vllmctl::kernels::cpu {
namespace {

void rotate_heads(void* x, int64_t row, int num_heads, int head_dim, const float* cos_v,
                  const float* sin_v, DType dtype) {
  const int half = head_dim / 2;
  for (int h = 0; h < num_heads; ++h) {
    const int64_t base = row + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const float x1 = load_f32(x, dtype, base + i);
      const float x2 = load_f32(x, dtype, base + i + half);
      // Products stored before the sum: the GPU rounds each product too (no FMA).
      const float a = x1 * cos_v[i], b = x2 * sin_v[i], c = x2 * cos_v[i], d = x1 * sin_v[i];
      store_f32(x, dtype, base + i, a - b);
      store_f32(x, dtype, base + i + half, c + d);
    }
  }
}

}  // namespace

void rope_neox(void* q, void* k, const int32_t* positions, const float* inv_freq,
               int num_tokens, int num_heads, int num_kv_heads, int head_dim, int64_t q_stride,
               int64_t k_stride, DType dtype) {
  const int half = head_dim / 2;
#pragma omp parallel for if (static_cast<long>(num_tokens) * (num_heads + num_kv_heads) * head_dim >= (1L << 18))
  for (int t = 0; t < num_tokens; ++t) {
    std::vector<float> cos_v(static_cast<size_t>(half)), sin_v(static_cast<size_t>(half));
    for (int i = 0; i < half; ++i) {
      const double angle = static_cast<double>(positions[t]) * inv_freq[i];
      cos_v[static_cast<size_t>(i)] = static_cast<float>(std::cos(angle));
      sin_v[static_cast<size_t>(i)] = static_cast<float>(std::sin(angle));
    }
    rotate_heads(q, t * q_stride, num_heads, head_dim, cos_v.data(), sin_v.data(), dtype);
    if (num_kv_heads > 0) {
      rotate_heads(k, t * k_stride, num_kv_heads, head_dim, cos_v.data(), sin_v.data(), dtype);
    }
  }
}

}  // namespace vllmctl::kernels::cpu
