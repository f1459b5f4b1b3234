// The tensor-core prefill attention kernel (bf16/f16, sm_80+): the same function as the
// FMA kernel in attention_prefill.cu, on mma.sync. Included by attention_prefill.cu only
// (its launcher picks the kernel), kept apart to keep each file one readable kernel.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "kernels/attention_common.cuh"

namespace vllmctl::kernels::attention_detail {

constexpr int kMmaThreads = 128;  // 4 warps, 16 query rows each
constexpr int kMmaTileM = 64;     // query rows per block

// mma.sync m16n8k16 with F32 accumulation; tiles of 64 query rows x 64 keys, one warp per
// 16 rows. grid: (ceil(max_query_len / kMmaTileM), num_heads, num_seqs); block: kMmaThreads.
// Per key tile: K and V rows land in smem as 16-bit (row stride D + 8: rows 4 banks apart,
// so fragment reads and ldmatrix are conflict-free);
// S = Q K^T with Q's A fragments held in registers for the whole block; the online softmax
// runs on S's C fragments (a thread owns rows g and g+8 of its warp's 16, the 4 lanes of a
// row are neighbours: 2 shuffles); P goes back in as A fragments (split in two 16-bit
// halves, see below), so O += P V needs only V's B fragments (ldmatrix.trans). Output
// rounded once to T.
template <typename T, int D>
__global__ void __launch_bounds__(kMmaThreads, 2)
attention_prefill_mma_kernel(T* __restrict__ out, const T* __restrict__ q,
                             const T* __restrict__ k_cache, const T* __restrict__ v_cache,
                             const int32_t* __restrict__ query_start,
                             const int32_t* __restrict__ context_lens,
                             const int32_t* __restrict__ block_tables, int max_blocks_per_seq,
                             int block_size, int num_heads, int num_kv_heads, float scale_log2) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  __trap();  // never launched below sm_80 (the launcher checks the device)
#else
  constexpr int kM = kMmaTileM, kN = 64;
  constexpr int kS = D + 8;  // smem row stride in elements (16-byte multiple)
  constexpr int kNT = kN / 8;   // S n-tiles per warp
  constexpr int kKD = D / 16;   // k-steps over head_dim
  constexpr int kDT = D / 8;    // O n-tiles per warp
  __shared__ __align__(16) T k_s[kN * kS];  // K tile; Q and O stage through it (kM == kN)
  __shared__ __align__(16) T v_s[kN * kS];
  static_assert(kM == kN, "Q and O stage through the K tile");
  T* const tag = nullptr;  // selects the T overloads of pack2 / mma_16816

  const int s = blockIdx.z;
  const int h = blockIdx.y;
  const int tile = gridDim.x - 1 - blockIdx.x;
  const int q_begin = query_start[s];
  const int q_len = query_start[s + 1] - q_begin;
  const int m0 = tile * kM;
  if (m0 >= q_len) return;
  const int ctx = context_lens[s];
  const int kv_head = h / (num_heads / num_kv_heads);
  const int32_t* table = block_tables + static_cast<int64_t>(s) * max_blocks_per_seq;
  const int rows = min(kM, q_len - m0);
  const int first_pos = ctx - q_len + m0;
  const int last_pos = max(first_pos + rows - 1, 0);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  const int r0 = warp * 16 + g;  // this thread's rows: r0 and r0 + 8

  // Q tile -> smem -> A fragments in registers.
  for (int v = threadIdx.x; v < kM * (D / 8); v += kMmaThreads) {
    const int r = v / (D / 8), c = (v % (D / 8)) * 8;
    uint4 val = make_uint4(0u, 0u, 0u, 0u);
    if (r < rows) {
      val = *reinterpret_cast<const uint4*>(q + (static_cast<int64_t>(q_begin + m0 + r) * num_heads + h) * D + c);
    }
    *reinterpret_cast<uint4*>(k_s + r * kS + c) = val;
  }
  __syncthreads();
  uint32_t qa[kKD][4];
#pragma unroll
  for (int kk = 0; kk < kKD; ++kk) {
    qa[kk][0] = *reinterpret_cast<const uint32_t*>(k_s + r0 * kS + kk * 16 + 2 * t);
    qa[kk][1] = *reinterpret_cast<const uint32_t*>(k_s + (r0 + 8) * kS + kk * 16 + 2 * t);
    qa[kk][2] = *reinterpret_cast<const uint32_t*>(k_s + r0 * kS + kk * 16 + 8 + 2 * t);
    qa[kk][3] = *reinterpret_cast<const uint32_t*>(k_s + (r0 + 8) * kS + kk * 16 + 8 + 2 * t);
  }
  // Positions (padding rows take the last real row's: key 0 is never masked).
  const int pos[2] = {max(first_pos + min(r0, rows - 1), 0), max(first_pos + min(r0 + 8, rows - 1), 0)};
  float row_max[2] = {-INFINITY, -INFINITY}, row_sum[2] = {0.f, 0.f};
  float o[kDT][4];
#pragma unroll
  for (int dt = 0; dt < kDT; ++dt) o[dt][0] = o[dt][1] = o[dt][2] = o[dt][3] = 0.f;

  const int key_end = min(last_pos + 1, ctx);
  for (int n0 = 0; n0 <= last_pos; n0 += kN) {
    __syncthreads();  // Q fragments read / the previous tile consumed
    copy_kv_rows<T, D, kMmaThreads>(k_s, kS, kN, k_cache, table, block_size, num_kv_heads, kv_head, n0, key_end);
    copy_kv_rows<T, D, kMmaThreads>(v_s, kS, kN, v_cache, table, block_size, num_kv_heads, kv_head, n0, key_end);
    __syncthreads();

    float sc[kNT][4];
#pragma unroll
    for (int nt = 0; nt < kNT; ++nt) {
      sc[nt][0] = sc[nt][1] = sc[nt][2] = sc[nt][3] = 0.f;
      const T* k_row = k_s + (nt * 8 + g) * kS + 2 * t;  // B = K^T: col g is key nt * 8 + g
#pragma unroll
      for (int kk = 0; kk < kKD; ++kk) {
        const uint32_t b[2] = {*reinterpret_cast<const uint32_t*>(k_row + kk * 16),
                               *reinterpret_cast<const uint32_t*>(k_row + kk * 16 + 8)};
        mma_16816(sc[nt], qa[kk], b, tag);
      }
    }

    // Mask, scale (base 2), running max; element e of n-tile nt is row r0 + 8 (e / 2),
    // key n0 + nt * 8 + 2t + (e % 2).
    float tile_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int nt = 0; nt < kNT; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int key = n0 + nt * 8 + 2 * t + (e & 1);
        sc[nt][e] = key <= pos[e / 2] ? sc[nt][e] * scale_log2 : -INFINITY;
        tile_max[e / 2] = fmaxf(tile_max[e / 2], sc[nt][e]);
      }
    }
    float correction[2];
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      tile_max[i] = fmaxf(tile_max[i], __shfl_xor_sync(0xffffffffu, tile_max[i], 1));
      tile_max[i] = fmaxf(tile_max[i], __shfl_xor_sync(0xffffffffu, tile_max[i], 2));
      const float new_max = fmaxf(row_max[i], tile_max[i]);  // finite: key 0 is in tile 0
      correction[i] = exp2f(row_max[i] - new_max);
      row_max[i] = new_max;
      row_sum[i] *= correction[i];  // this thread's partial sum; the 4 lanes add up at the end
    }
#pragma unroll
    for (int dt = 0; dt < kDT; ++dt) {
      o[dt][0] *= correction[0];
      o[dt][1] *= correction[0];
      o[dt][2] *= correction[1];
      o[dt][3] *= correction[1];
    }

    // P = 2^(S - max) as A fragments: n-tiles 2j and 2j+1 are exactly the A fragment of
    // k-step j of P V (a[0], a[1] from tile 2j; a[2], a[3] from tile 2j+1). P is split into
    // p_hi + p_lo, both T, so that P V keeps ~16 bits more of P than one rounding to T would
    // (bf16 P alone costs ~2^-9 of |V|): one more mma per step buys the FMA path's accuracy.
    uint32_t pa_hi[kN / 16][4], pa_lo[kN / 16][4];
#pragma unroll
    for (int nt = 0; nt < kNT; ++nt) {
#pragma unroll
      for (int i = 0; i < 2; ++i) {  // i = 0: row r0 (c[0], c[1]); 1: row r0 + 8 (c[2], c[3])
        const float p0 = exp2f(sc[nt][2 * i] - row_max[i]);
        const float p1 = exp2f(sc[nt][2 * i + 1] - row_max[i]);
        row_sum[i] += p0 + p1;
        float2 hi, lo;
        pa_hi[nt / 2][(nt % 2) * 2 + i] = pack2(p0, p1, tag, hi);
        pa_lo[nt / 2][(nt % 2) * 2 + i] = pack2(p0 - hi.x, p1 - hi.y, tag, lo);
      }
    }

    // O += P V: V's B fragment of keys 16j.., columns dt * 8.. via ldmatrix.trans.
#pragma unroll
    for (int dt = 0; dt < kDT; ++dt) {
#pragma unroll
      for (int j = 0; j < kN / 16; ++j) {
        uint32_t b[2];
        ldmatrix_x2_trans(b, v_s + (j * 16 + lane % 16) * kS + dt * 8);
        mma_16816(o[dt], pa_hi[j], b, tag);
        mma_16816(o[dt], pa_lo[j], b, tag);
      }
    }
  }

  // Full row sums, normalise, stage the rows through k_s, store 16-byte vectors.
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    row_sum[i] += __shfl_xor_sync(0xffffffffu, row_sum[i], 1);
    row_sum[i] += __shfl_xor_sync(0xffffffffu, row_sum[i], 2);
  }
  const float inv0 = 1.f / row_sum[0], inv1 = 1.f / row_sum[1];
  __syncthreads();  // every warp is done with k_s
#pragma unroll
  for (int dt = 0; dt < kDT; ++dt) {
    float2 r;
    *reinterpret_cast<uint32_t*>(k_s + r0 * kS + dt * 8 + 2 * t) = pack2(o[dt][0] * inv0, o[dt][1] * inv0, tag, r);
    *reinterpret_cast<uint32_t*>(k_s + (r0 + 8) * kS + dt * 8 + 2 * t) = pack2(o[dt][2] * inv1, o[dt][3] * inv1, tag, r);
  }
  __syncthreads();
  for (int v = threadIdx.x; v < rows * (D / 8); v += kMmaThreads) {
    const int r = v / (D / 8), c = (v % (D / 8)) * 8;
    *reinterpret_cast<uint4*>(out + (static_cast<int64_t>(q_begin + m0 + r) * num_heads + h) * D + c) =
        *reinterpret_cast<const uint4*>(k_s + r * kS + c);
  }
#endif
}

}  // namespace vllmctl::kernels::attention_detail
