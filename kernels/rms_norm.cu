// RMSNorm on the GPU: one block per row, N elements per thread per step (16-byte
// accesses when hidden and the pointers allow, else N = 1), squares summed in F32 with
// warp shuffles, the row read twice (the second read mostly hits L1/L2).
#include "kernels/device_common.cuh"
#include "kernels/rms_norm.h"

namespace vllmctl::kernels {
namespace {

using device::from_f32;
using device::to_f32;
using device::Vec;

// One inverse RMS per row, computed as the twin does (double, rounded to F32).
__device__ __forceinline__ float inv_rms(float sum_sq, int hidden, float eps) {
  return static_cast<float>(1.0 / sqrt(static_cast<double>(sum_sq) / hidden + eps));
}

// out = x * inv * w for the row; reads `src` (x, or the updated residual).
template <class T, int N>
__device__ __forceinline__ void write_normed(T* out, const T* src, const T* weight, int units,
                                             float inv) {
  for (int u = threadIdx.x; u < units; u += blockDim.x) {
    const auto xv = reinterpret_cast<const Vec<T, N>*>(src)[u];
    const auto wv = reinterpret_cast<const Vec<T, N>*>(weight)[u];
    Vec<T, N> o;
#pragma unroll
    for (int j = 0; j < N; ++j) {
      o.v[j] = from_f32<T>(__fmul_rn(__fmul_rn(to_f32(xv.v[j]), inv), to_f32(wv.v[j])));
    }
    reinterpret_cast<Vec<T, N>*>(out)[u] = o;
  }
}

// out, x: [num_tokens, hidden]; one block per token; units = hidden / N.
template <class T, int N>
__global__ void rms_norm_kernel(T* out, const T* x, const T* __restrict__ weight, int hidden,
                                float eps) {
  __shared__ float scratch[32];
  const int64_t base = static_cast<int64_t>(blockIdx.x) * hidden;
  const int units = hidden / N;
  float sum_sq = 0.0f;
  for (int u = threadIdx.x; u < units; u += blockDim.x) {
    const auto xv = reinterpret_cast<const Vec<T, N>*>(x + base)[u];
#pragma unroll
    for (int j = 0; j < N; ++j) {
      const float v = to_f32(xv.v[j]);
      sum_sq += v * v;
    }
  }
  const float inv = inv_rms(device::block_sum(sum_sq, scratch), hidden, eps);
  write_normed<T, N>(out + base, x + base, weight, units, inv);
}

// residual = round(residual + x); x = rms_norm(residual). Each thread re-reads only the
// residual elements it wrote itself, so no barrier is needed between the two passes.
template <class T, int N>
__global__ void add_rms_norm_kernel(T* __restrict__ x, T* __restrict__ residual,
                                    const T* __restrict__ weight, int hidden, float eps) {
  __shared__ float scratch[32];
  const int64_t base = static_cast<int64_t>(blockIdx.x) * hidden;
  const int units = hidden / N;
  float sum_sq = 0.0f;
  for (int u = threadIdx.x; u < units; u += blockDim.x) {
    const auto xv = reinterpret_cast<const Vec<T, N>*>(x + base)[u];
    auto rv = reinterpret_cast<const Vec<T, N>*>(residual + base)[u];
#pragma unroll
    for (int j = 0; j < N; ++j) {
      rv.v[j] = from_f32<T>(__fadd_rn(to_f32(rv.v[j]), to_f32(xv.v[j])));
      const float v = to_f32(rv.v[j]);
      sum_sq += v * v;
    }
    reinterpret_cast<Vec<T, N>*>(residual + base)[u] = rv;
  }
  const float inv = inv_rms(device::block_sum(sum_sq, scratch), hidden, eps);
  write_normed<T, N>(x + base, residual + base, weight, units, inv);
}

// Threads per row block: one per unit up to 1024, in whole warps.
int threads_for(int units) { return units >= 1024 ? 1024 : (units + 31) / 32 * 32; }

void check_shapes(const char* name, int num_tokens, int hidden, float eps) {
  device::require(num_tokens >= 0, name, "num_tokens", num_tokens);
  device::require(hidden > 0, name, "hidden", hidden);
  device::require(eps >= 0.0f, name, "eps (x1e9)", static_cast<long long>(eps * 1e9f));
}

}  // namespace

namespace cuda {

void rms_norm(void* out, const void* x, const void* weight, int num_tokens, int hidden,
              float eps, DType dtype, cudaStream_t stream) {
  check_shapes("rms_norm", num_tokens, hidden, eps);
  if (num_tokens == 0) return;
  device::dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr int kN = device::kVec16<T>;
    const bool vec = hidden % kN == 0 && device::aligned16(out) && device::aligned16(x) &&
                     device::aligned16(weight);
    auto* o = static_cast<T*>(out);
    const auto* xi = static_cast<const T*>(x);
    const auto* w = static_cast<const T*>(weight);
    if (vec) {
      rms_norm_kernel<T, kN><<<num_tokens, threads_for(hidden / kN), 0, stream>>>(o, xi, w, hidden, eps);
    } else {
      rms_norm_kernel<T, 1><<<num_tokens, threads_for(hidden), 0, stream>>>(o, xi, w, hidden, eps);
    }
  });
  device::check_launch("rms_norm");
}

void add_rms_norm(void* x, void* residual, const void* weight, int num_tokens, int hidden,
                  float eps, DType dtype, cudaStream_t stream) {
  check_shapes("add_rms_norm", num_tokens, hidden, eps);
  if (num_tokens == 0) return;
  device::dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr int kN = device::kVec16<T>;
    const bool vec = hidden % kN == 0 && device::aligned16(x) && device::aligned16(residual) &&
                     device::aligned16(weight);
    auto* xi = static_cast<T*>(x);
    auto* r = static_cast<T*>(residual);
    const auto* w = static_cast<const T*>(weight);
    if (vec) {
      add_rms_norm_kernel<T, kN><<<num_tokens, threads_for(hidden / kN), 0, stream>>>(xi, r, w, hidden, eps);
    } else {
      add_rms_norm_kernel<T, 1><<<num_tokens, threads_for(hidden), 0, stream>>>(xi, r, w, hidden, eps);
    }
  });
  device::check_launch("add_rms_norm");
}

}  // namespace cuda
}  // namespace vllmctl::kernels
