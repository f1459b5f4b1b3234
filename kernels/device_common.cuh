// Device helpers shared by the element-wise kernels and sampling: element types per DType,
// F32 load/store, 16-byte vectors, warp and block reductions, and the DType dispatch.
// Include only from .cu files.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/kernel_types.h"

namespace vllmctl::kernels::device {

// Conversions through F32, rounding to nearest even (what the host twins do).
__device__ __forceinline__ float to_f32(float x) { return x; }
__device__ __forceinline__ float to_f32(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_f32(__nv_bfloat16 x) { return __bfloat162float(x); }

template <class T> __device__ __forceinline__ T from_f32(float x);
template <> __device__ __forceinline__ float from_f32<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_f32<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

// N elements of T in one aligned access: 16 bytes when N = 16 / sizeof(T).
template <class T, int N>
struct alignas(sizeof(T) * N) Vec {
  T v[N];
};

// Elements per 16-byte access.
template <class T>
constexpr int kVec16 = static_cast<int>(16 / sizeof(T));

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

__device__ __forceinline__ float warp_sum(float x) {
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}

// Sum over the block; every thread gets the result. REQUIRES: blockDim.x a multiple of 32,
// at most 1024, called by all threads. `scratch` holds 32 floats of shared memory.
__device__ __forceinline__ float block_sum(float x, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  x = warp_sum(x);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = x;
  __syncthreads();
  const int num_warps = static_cast<int>(blockDim.x >> 5);
  x = lane < num_warps ? scratch[lane] : 0.0f;
  return warp_sum(x);
}

// Calls f(T{}) with T the element type of `t` (float, __half, __nv_bfloat16).
template <class F>
void dispatch_dtype(DType t, F&& f) {
  switch (t) {
    case DType::kF32: f(float{}); return;
    case DType::kF16: f(__half{}); return;
    case DType::kBF16: f(__nv_bfloat16{}); return;
  }
  throw std::invalid_argument("unknown dtype " + std::to_string(static_cast<int>(t)));
}

// Precondition failures of launchers: std::invalid_argument naming the value.
inline void require(bool ok, const char* kernel, const char* what, long long value) {
  if (!ok) {
    throw std::invalid_argument(std::string(kernel) + ": bad " + what + " = " + std::to_string(value));
  }
}

// Throws std::runtime_error when the launch just made failed (bad configuration); does
// not synchronize, so errors inside the kernel surface at the caller's next sync.
inline void check_launch(const char* kernel) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string(kernel) + ": launch failed: " + cudaGetErrorString(err));
  }
}

}  // namespace vllmctl::kernels::device
