// Neox RoPE on the GPU: one block per token. The block first computes the token's
// head_dim / 2 cos/sin pairs in double into shared memory (as the twin does), then each
// thread rotates N consecutive pairs of one head of q or k (16-byte accesses of x1 and x2
// when half, the strides and the pointers allow, else N = 1).
#include "kernels/device_common.cuh"
#include "kernels/rope.h"

namespace vllmctl::kernels {
namespace {

using device::from_f32;
using device::to_f32;
using device::Vec;

constexpr int kMaxHalf = 512;  // head_dim <= 1024

template <class T, int N>
__device__ __forceinline__ void rotate(T* head, int half, int i0, const float* cos_v,
                                       const float* sin_v) {
  auto* p1 = reinterpret_cast<Vec<T, N>*>(head + i0);
  auto* p2 = reinterpret_cast<Vec<T, N>*>(head + half + i0);
  const Vec<T, N> a = *p1, b = *p2;
  Vec<T, N> ra, rb;
#pragma unroll
  for (int j = 0; j < N; ++j) {
    const float x1 = to_f32(a.v[j]), x2 = to_f32(b.v[j]);
    const float c = cos_v[i0 + j], s = sin_v[i0 + j];
    ra.v[j] = from_f32<T>(__fsub_rn(__fmul_rn(x1, c), __fmul_rn(x2, s)));
    rb.v[j] = from_f32<T>(__fadd_rn(__fmul_rn(x2, c), __fmul_rn(x1, s)));
  }
  *p1 = ra;
  *p2 = rb;
}

template <class T, int N>
__global__ void rope_neox_kernel(T* q, T* k, const int32_t* __restrict__ positions,
                                 const float* __restrict__ inv_freq, int num_heads,
                                 int num_kv_heads, int head_dim, int64_t q_stride,
                                 int64_t k_stride) {
  __shared__ float cos_v[kMaxHalf];
  __shared__ float sin_v[kMaxHalf];
  const int t = blockIdx.x;
  const int half = head_dim / 2;
  const double pos = positions[t];
  for (int i = threadIdx.x; i < half; i += blockDim.x) {
    double s, c;
    sincos(pos * static_cast<double>(inv_freq[i]), &s, &c);
    cos_v[i] = static_cast<float>(c);
    sin_v[i] = static_cast<float>(s);
  }
  __syncthreads();
  const int chunks = half / N;  // per head
  const int items = (num_heads + num_kv_heads) * chunks;
  for (int it = threadIdx.x; it < items; it += blockDim.x) {
    const int h = it / chunks, i0 = (it % chunks) * N;
    T* head = h < num_heads ? q + t * q_stride + static_cast<int64_t>(h) * head_dim
                            : k + t * k_stride + static_cast<int64_t>(h - num_heads) * head_dim;
    rotate<T, N>(head, half, i0, cos_v, sin_v);
  }
}

}  // namespace

namespace cuda {

void rope_neox(void* q, void* k, const int32_t* positions, const float* inv_freq,
               int num_tokens, int num_heads, int num_kv_heads, int head_dim, int64_t q_stride,
               int64_t k_stride, DType dtype, cudaStream_t stream) {
  using device::require;
  require(num_tokens >= 0, "rope_neox", "num_tokens", num_tokens);
  require(num_heads >= 0, "rope_neox", "num_heads", num_heads);
  require(num_kv_heads >= 0, "rope_neox", "num_kv_heads", num_kv_heads);
  require(head_dim >= 2 && head_dim % 2 == 0 && head_dim <= 2 * kMaxHalf, "rope_neox", "head_dim", head_dim);
  require(q_stride >= static_cast<int64_t>(num_heads) * head_dim, "rope_neox", "q_stride", q_stride);
  require(num_kv_heads == 0 || k_stride >= static_cast<int64_t>(num_kv_heads) * head_dim,
          "rope_neox", "k_stride", k_stride);
  require(num_kv_heads == 0 || k != nullptr, "rope_neox", "k (null with num_kv_heads)", num_kv_heads);
  if (num_tokens == 0 || num_heads + num_kv_heads == 0) return;
  const int half = head_dim / 2;
  device::dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr int kN = device::kVec16<T>;
    const bool vec = half % kN == 0 && q_stride % kN == 0 && device::aligned16(q) &&
                     (num_kv_heads == 0 || (k_stride % kN == 0 && device::aligned16(k)));
    const int items = (num_heads + num_kv_heads) * (vec ? half / kN : half);
    const int threads = items >= 256 ? 256 : (items + 31) / 32 * 32;
    auto* qt = static_cast<T*>(q);
    auto* kt = static_cast<T*>(k);
    if (vec) {
      rope_neox_kernel<T, kN><<<num_tokens, threads, 0, stream>>>(
          qt, kt, positions, inv_freq, num_heads, num_kv_heads, head_dim, q_stride, k_stride);
    } else {
      rope_neox_kernel<T, 1><<<num_tokens, threads, 0, stream>>>(
          qt, kt, positions, inv_freq, num_heads, num_kv_heads, head_dim, q_stride, k_stride);
    }
  });
  device::check_launch("rope_neox");
}

}  // namespace cuda
}  // namespace vllmctl::kernels
