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

// kVec<T> elements (16 bytes, 16-byte aligned, global or shared) as F32 registers.
__device__ __forceinline__ void load_regs(const float* src, float (&dst)[4]) {
  const float4 v = *reinterpret_cast<const float4*>(src);
  dst[0] = v.x, dst[1] = v.y, dst[2] = v.z, dst[3] = v.w;
}
__device__ __forceinline__ void load_regs(const __nv_bfloat16* src, float (&dst)[8]) {
  const uint4 raw = *reinterpret_cast<const uint4*>(src);
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = __bfloat1622float2(h[i]);
    dst[2 * i] = f.x, dst[2 * i + 1] = f.y;
  }
}
__device__ __forceinline__ void load_regs(const __half* src, float (&dst)[8]) {
  const uint4 raw = *reinterpret_cast<const uint4*>(src);
  const __half2* h = reinterpret_cast<const __half2*>(&raw);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = __half22float2(h[i]);
    dst[2 * i] = f.x, dst[2 * i + 1] = f.y;
  }
}

// One element as F32.
__device__ __forceinline__ float to_f32(float x) { return x; }
__device__ __forceinline__ float to_f32(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ __forceinline__ float to_f32(__half x) { return __half2float(x); }

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

// Copies `rows` rows of D elements (16-byte vectors, no conversion) from the paged cache
// into smem (row stride `stride` elements, a multiple of kVec<T>): row j is position
// first + j when first + j < end, zero otherwise. Same contract as load_kv_rows.
template <typename T, int D, int kThreads>
__device__ __forceinline__ void copy_kv_rows(T* smem, int stride, int rows, const T* cache,
                                             const int32_t* table, int block_size,
                                             int num_kv_heads, int kv_head, int first, int end) {
  constexpr int kVecsPerRow = D / kVec<T>;
  for (int v = threadIdx.x; v < rows * kVecsPerRow; v += kThreads) {
    const int j = v / kVecsPerRow;
    const int c = (v % kVecsPerRow) * kVec<T>;
    const int pos = first + j;
    uint4 val = make_uint4(0u, 0u, 0u, 0u);
    if (pos < end) {
      const int64_t slot =
          static_cast<int64_t>(table[pos / block_size]) * block_size + pos % block_size;
      val = *reinterpret_cast<const uint4*>(cache + (slot * num_kv_heads + kv_head) * D + c);
    }
    *reinterpret_cast<uint4*>(smem + j * stride + c) = val;
  }
}

// Two F32 values rounded to T and packed into the 32 bits an mma fragment register holds
// (the first value in the low half); `rounded` gets them back as F32.
__device__ __forceinline__ uint32_t pack2(float lo, float hi, __nv_bfloat16*, float2& rounded) {
  __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
  rounded = __bfloat1622float2(h);
  return *reinterpret_cast<uint32_t*>(&h);
}
__device__ __forceinline__ uint32_t pack2(float lo, float hi, __half*, float2& rounded) {
  __half2 h = __floats2half2_rn(lo, hi);
  rounded = __half22float2(h);
  return *reinterpret_cast<uint32_t*>(&h);
}

// Tensor-core primitives (sm_80+), warp-collective. Fragment layouts (PTX ISA, mma.m16n8k16
// with 16-bit inputs; g = lane / 4, t = lane % 4; each register holds two elements, the
// lower column in the low half):
//   A 16x16: a[0] (row g, cols 2t, 2t+1), a[1] (row g+8, same), a[2] (row g, cols 8+2t..),
//            a[3] (row g+8, cols 8+2t..)
//   B 16x8:  b[0] (rows 2t, 2t+1, col g), b[1] (rows 8+2t, 8+2t+1, col g)
//   C 16x8:  c[0], c[1] (row g, cols 2t, 2t+1), c[2], c[3] (row g+8, same)
// d += a * b, F32 accumulation.
__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4],
                                          const uint32_t (&b)[2], __nv_bfloat16*) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4],
                                          const uint32_t (&b)[2], __half*) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// The B fragment of a 16x8 block stored row-major in smem as [k][n] (V: keys x head_dim),
// via ldmatrix.trans: lanes 0-15 pass the address of row (lane % 16) of the block, whose
// 8 elements are 16 contiguous bytes (16-byte aligned).
__device__ __forceinline__ void ldmatrix_x2_trans(uint32_t (&b)[2], const void* row_address) {
  const uint32_t address = static_cast<uint32_t>(__cvta_generic_to_shared(row_address));
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(b[0]), "=r"(b[1])
               : "r"(address));
}

}  // namespace vllmctl::kernels::attention_detail
