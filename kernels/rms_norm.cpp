// CPU twin of RMSNorm: ops.cpp's math (squares summed in double, inv rounded to F32)
// with the loads and the one rounding of the output of `dtype`.
#include "kernels/rms_norm.h"

#include <cmath>

namespace vllmctl::kernels::cpu {
namespace {

// Row r of `src` normalised into row r of `dst` (may alias).
void norm_row(void* dst, const void* src, const void* weight, int64_t row, int hidden, float eps,
              DType dtype) {
  const int64_t base = row * hidden;
  double sum_sq = 0.0;
  for (int i = 0; i < hidden; ++i) {
    const double v = load_f32(src, dtype, base + i);
    sum_sq += v * v;
  }
  const auto inv = static_cast<float>(1.0 / std::sqrt(sum_sq / hidden + eps));
  for (int i = 0; i < hidden; ++i) {
    const float v = load_f32(src, dtype, base + i) * inv * load_f32(weight, dtype, i);
    store_f32(dst, dtype, base + i, v);
  }
}

}  // namespace

void rms_norm(void* out, const void* x, const void* weight, int num_tokens, int hidden,
              float eps, DType dtype) {
#pragma omp parallel for if (static_cast<long>(num_tokens) * hidden >= (1L << 18))
  for (int t = 0; t < num_tokens; ++t) norm_row(out, x, weight, t, hidden, eps, dtype);
}

void add_rms_norm(void* x, void* residual, const void* weight, int num_tokens, int hidden,
                  float eps, DType dtype) {
#pragma omp parallel for if (static_cast<long>(num_tokens) * hidden >= (1L << 18))
  for (int t = 0; t < num_tokens; ++t) {
    const int64_t base = static_cast<int64_t>(t) * hidden;
    for (int i = 0; i < hidden; ++i) {
      store_f32(residual, dtype, base + i,
                load_f32(residual, dtype, base + i) + load_f32(x, dtype, base + i));
    }
    norm_row(x, residual, weight, t, hidden, eps, dtype);
  }
}

}  // namespace vllmctl::kernels::cpu
