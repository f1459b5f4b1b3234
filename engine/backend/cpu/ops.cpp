// CPU kernels: element-wise ops, norms, RoPE and the BLAS linear layer.
#include "engine/backend/cpu/ops.h"

#include <cblas.h>

#include <cmath>
#include <cstring>

// OpenMP regions only where the work pays for waking threads (~tens of microseconds):
// small batches run on the calling thread.
namespace {
constexpr long kParallelMinElements = 1L << 18;
}  // namespace

namespace vllmctl::cpu {

void embedding(float* out, const float* table, const int32_t* ids, int num_tokens, int hidden) {
  for (int t = 0; t < num_tokens; ++t) {
    std::memcpy(out + static_cast<int64_t>(t) * hidden,
                table + static_cast<int64_t>(ids[t]) * hidden, sizeof(float) * static_cast<size_t>(hidden));
  }
}

namespace {
inline void rms_norm_row(float* out, const float* x, const float* weight, int hidden, float eps) {
  double sum_sq = 0.0;
  for (int i = 0; i < hidden; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
  const auto inv = static_cast<float>(1.0 / std::sqrt(sum_sq / hidden + eps));
  for (int i = 0; i < hidden; ++i) out[i] = x[i] * inv * weight[i];
}
}  // namespace

void rms_norm(float* out, const float* x, const float* weight, int num_tokens, int hidden,
              float eps) {
#pragma omp parallel for if (static_cast<long>(num_tokens) * hidden >= kParallelMinElements)
  for (int t = 0; t < num_tokens; ++t) {
    const int64_t row = static_cast<int64_t>(t) * hidden;
    rms_norm_row(out + row, x + row, weight, hidden, eps);
  }
}

void add_rms_norm(float* x, float* residual, const float* weight, int num_tokens, int hidden,
                  float eps) {
#pragma omp parallel for if (static_cast<long>(num_tokens) * hidden >= kParallelMinElements)
  for (int t = 0; t < num_tokens; ++t) {
    const int64_t row = static_cast<int64_t>(t) * hidden;
    for (int i = 0; i < hidden; ++i) residual[row + i] += x[row + i];
    rms_norm_row(x + row, residual + row, weight, hidden, eps);
  }
}

void rope_neox(float* x, const int32_t* positions, const float* inv_freq, int num_tokens,
               int num_heads, int head_dim) {
  const int half = head_dim / 2;
#pragma omp parallel for if (static_cast<long>(num_tokens) * num_heads * head_dim >= kParallelMinElements)
  for (int t = 0; t < num_tokens; ++t) {
    float cos_v[512], sin_v[512];  // head_dim <= 1024
    for (int i = 0; i < half; ++i) {
      // Angles in double: positions reach 10^5 and float loses the phase there.
      const double angle = static_cast<double>(positions[t]) * inv_freq[i];
      cos_v[i] = static_cast<float>(std::cos(angle));
      sin_v[i] = static_cast<float>(std::sin(angle));
    }
    for (int h = 0; h < num_heads; ++h) {
      float* v = x + (static_cast<int64_t>(t) * num_heads + h) * head_dim;
      for (int i = 0; i < half; ++i) {
        const float x1 = v[i], x2 = v[i + half];
        v[i] = x1 * cos_v[i] - x2 * sin_v[i];
        v[i + half] = x2 * cos_v[i] + x1 * sin_v[i];
      }
    }
  }
}

void silu_and_mul(float* out, const float* gate_up, int num_tokens, int inter) {
#pragma omp parallel for if (static_cast<long>(num_tokens) * inter >= kParallelMinElements)
  for (int t = 0; t < num_tokens; ++t) {
    const float* g = gate_up + static_cast<int64_t>(t) * 2 * inter;
    const float* u = g + inter;
    float* o = out + static_cast<int64_t>(t) * inter;
    for (int i = 0; i < inter; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  }
}

void linear(float* out, const float* x, const float* w, const float* bias, int num_tokens,
            int in_features, int out_features) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, num_tokens, out_features, in_features,
              1.0f, x, in_features, w, in_features, 0.0f, out, out_features);
  if (bias) {
    for (int t = 0; t < num_tokens; ++t) {
      float* row = out + static_cast<int64_t>(t) * out_features;
      for (int j = 0; j < out_features; ++j) row[j] += bias[j];
    }
  }
}

void write_kv(const PagedKvCache& cache, const float* k, const float* v,
              const int32_t* slot_mapping, int num_tokens) {
  const int64_t row = static_cast<int64_t>(cache.num_kv_heads) * cache.head_dim;
  for (int t = 0; t < num_tokens; ++t) {
    const int64_t slot = slot_mapping[t];
    if (slot < 0) continue;
    std::memcpy(cache.k + slot * row, k + t * row, sizeof(float) * static_cast<size_t>(row));
    std::memcpy(cache.v + slot * row, v + t * row, sizeof(float) * static_cast<size_t>(row));
  }
}

}  // namespace vllmctl::cpu
