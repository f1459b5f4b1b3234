// Device helpers shared by the attention kernels: 16-byte vector loads of bf16/f16/f32
// into F32 shared memory, rounded stores back, and the paged cache's row addressing.
// Included only by kernels/attention_*.cu.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/kernel_types.h"

namespace vllmctl::kernels::attention_detail {

// Elements of T in one 16-byte vector.
template <typename T>
constexpr int kVec = 16 / static_cast<int>(sizeof(T));

// Loads kVec<T> elements (16 bytes, 16-byte aligned) from global memory as F32 into dst
// (16-byte aligned shared memory).
__device__ __forceinline__ void load_vec(const float* src, float* dst) {
  *reinterpret_cast<float4*>(dst) = *reinterpret_cast<const float4*>(src);
}
__device__ __forceinline__ void load_vec(const __nv_bfloat16* src, float* dst) {
  const uint4 raw = *reinterpret_cast<const uint4*>(src);
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
  float2 f[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) f[i] = __bfloat1622float2(h[i]);
  reinterpret_cast<float4*>(dst)[0] = make_float4(f[0].x, f[0].y, f[1].x, f[1].y);
  reinterpret_cast<float4*>(dst)[1] = make_float4(f[2].x, f[2].y, f[3].x, f[3].y);
}
__device__ __forceinline__ void load_vec(const __half* src, float* dst) {
  const uint4 raw = *reinterpret_cast<const uint4*>(src);
  const __half2* h = reinterpret_cast<const __half2*>(&raw);
  float2 f[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) f[i] = __half22float2(h[i]);
  reinterpret_cast<float4*>(dst)[0] = make_float4(f[0].x, f[0].y, f[1].x, f[1].y);
  reinterpret_cast<float4*>(dst)[1] = make_float4(f[2].x, f[2].y, f[3].x, f[3].y);
}

// Stores kVec<T> F32 values from src (16-byte aligned shared memory) to global memory,
// rounded to nearest even: the one rounding point of an attention output.
__device__ __forceinline__ void store_vec(const float* src, float* dst) {
  *reinterpret_cast<float4*>(dst) = *reinterpret_cast<const float4*>(src);
}
__device__ __forceinline__ void store_vec(const float* src, __nv_bfloat16* dst) {
  uint4 raw;
  __nv_bfloat162* h = reinterpret_cast<__nv_bfloat162*>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) h[i] = __floats2bfloat162_rn(src[2 * i], src[2 * i + 1]);
  *reinterpret_cast<uint4*>(dst) = raw;
}
__device__ __forceinline__ void store_vec(const float* src, __half* dst) {
  uint4 raw;
  __half2* h = reinterpret_cast<__half2*>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) h[i] = __floats2half2_rn(src[2 * i], src[2 * i + 1]);
  *reinterpret_cast<uint4*>(dst) = raw;
}

// One F32 value rounded to T (nearest even) and stored.
__device__ __forceinline__ void store_scalar(float x, float* dst) { *dst = x; }
__device__ __forceinline__ void store_scalar(float x, __nv_bfloat16* dst) {
  *dst = __float2bfloat16_rn(x);
}
__device__ __forceinline__ void store_scalar(float x, __half* dst) { *dst = __float2half_rn(x); }

__device__ __forceinline__ void zero_vec4(float* dst) {
  *reinterpret_cast<float4*>(dst) = make_float4(0.f, 0.f, 0.f, 0.f);
}

// Loads `rows` rows of a KV head from the paged cache into smem (F32, row stride
// `stride` floats, a multiple of 4): row j is the key/value at position first + j, read
// when first + j < end, zero otherwise (masked keys must be finite: 0 * garbage can be NaN).
// cache: [num_blocks, block_size, num_kv_heads, D]; table: this sequence's block table.
template <typename T, int D, int kThreads>
__device__ __forceinline__ void load_kv_rows(float* smem, int stride, int rows, const T* cache,
                                             const int32_t* table, int block_size,
                                             int num_kv_heads, int kv_head, int first, int end) {
  constexpr int kVecsPerRow = D / kVec<T>;
  for (int v = threadIdx.x; v < rows * kVecsPerRow; v += kThreads) {
    const int j = v / kVecsPerRow;
    const int c = (v % kVecsPerRow) * kVec<T>;
    float* dst = smem + j * stride + c;
    const int pos = first + j;
    if (pos < end) {
      const int64_t slot =
          static_cast<int64_t>(table[pos / block_size]) * block_size + pos % block_size;
      load_vec(cache + (slot * num_kv_heads + kv_head) * D + c, dst);
    } else {
#pragma unroll
      for (int e = 0; e < kVec<T>; e += 4) zero_vec4(dst + e);
    }
  }
}

}  // namespace vllmctl::kernels::attention_detail
