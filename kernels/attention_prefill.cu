// CUDA prefill attention: flash-attention style (online softmax over key tiles held in
// shared memory), varlen causal GQA over the paged KV cache, F32 accumulation. Two kernels
// of the same function: a plain-FMA one for every GPU (sm_75+) and dtype, and a
// tensor-core one (mma.sync) for bf16/f16 on sm_80+, which the launcher prefers.
#include "kernels/attention_prefill.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "kernels/attention_common.cuh"
#include "kernels/attention_prefill_mma.cuh"

namespace vllmctl::kernels {
namespace {

using attention_detail::attention_prefill_mma_kernel;
using attention_detail::kMmaThreads;
using attention_detail::kMmaTileM;
using attention_detail::kVec;
using attention_detail::load_kv_rows;
using attention_detail::load_vec;
using attention_detail::store_vec;
using attention_detail::zero_vec4;

constexpr int kThreads = 128;  // 16 row groups (ty) x 8 column lanes (tx)

// Tile shapes per head_dim, sized so that Q, one K-or-V tile and P stay under the 48 KiB of
// static shared memory every GPU gives without an opt-in (D=64: 33 KiB, D=128: 37 KiB).
template <int D> struct PrefillTile;
template <> struct PrefillTile<64> { static constexpr int kM = 64, kN = 32; };
template <> struct PrefillTile<128> { static constexpr int kM = 32, kN = 32; };

// grid: (ceil(max_query_len / kM), num_heads, num_seqs); block: kThreads.
// One block computes kM query rows of one head of one sequence. Thread (ty, tx) owns rows
// ty * kRM + i (i < kRM) of the tile: for S = Q K^T its columns tx + 8 c (c < kCN), for
// O = P V its columns 4 tx + 32 e + k (e < D / 32, k < 4). The 8 lanes that share a row are
// neighbours in one warp, so row max and row sum are 3 shuffles.
// Keys and values are read from the paged cache in tiles of kN; a K tile and then the V tile
// of the same keys share one buffer (loaded one after the other) to fit the smem budget.
template <typename T, int D>
__global__ void __launch_bounds__(kThreads, 4)
attention_prefill_kernel(T* __restrict__ out, const T* __restrict__ q, const T* __restrict__ k_cache,
                         const T* __restrict__ v_cache, const int32_t* __restrict__ query_start,
                         const int32_t* __restrict__ context_lens,
                         const int32_t* __restrict__ block_tables, int max_blocks_per_seq,
                         int block_size, int num_heads, int num_kv_heads, float scale_log2) {
  constexpr int kM = PrefillTile<D>::kM, kN = PrefillTile<D>::kN;
  constexpr int kRM = kM / 16;  // rows per thread
  constexpr int kCN = kN / 8;   // S columns per thread
  constexpr int kCD = D / 32;   // float4 groups of O columns per thread
  constexpr int kQS = D + 4;    // row strides in floats: 16-byte aligned, rows 4 banks apart
  constexpr int kPS = kN + 1;   // P is read one scalar per row: odd stride, no conflicts
  __shared__ __align__(16) float q_s[kM * kQS];  // Q, reused for O at the end
  __shared__ __align__(16) float kv_s[kN * kQS];
  __shared__ float p_s[kM * kPS];

  const int s = blockIdx.z;
  const int h = blockIdx.y;
  const int tile = gridDim.x - 1 - blockIdx.x;  // the longest (last) tiles start first
  const int q_begin = query_start[s];
  const int q_len = query_start[s + 1] - q_begin;
  const int m0 = tile * kM;
  if (m0 >= q_len) return;  // uniform over the block: before any barrier
  const int ctx = context_lens[s];
  const int kv_head = h / (num_heads / num_kv_heads);
  const int32_t* table = block_tables + static_cast<int64_t>(s) * max_blocks_per_seq;
  const int rows = min(kM, q_len - m0);
  const int first_pos = ctx - q_len + m0;  // position of the tile's row 0
  // The tile attends to keys [0, last_pos]. Positions are clamped at 0 so that a row that
  // breaks context_lens >= query_len still sees key 0 (a zero row if absent): finite output.
  const int last_pos = max(first_pos + rows - 1, 0);

  const int tx = threadIdx.x % 8;
  const int ty = threadIdx.x / 8;

  // Q tile (rows past q_len read as zero), F32.
  constexpr int kVecsPerRow = D / kVec<T>;
  for (int v = threadIdx.x; v < kM * kVecsPerRow; v += kThreads) {
    const int r = v / kVecsPerRow;
    const int c = (v % kVecsPerRow) * kVec<T>;
    float* dst = q_s + r * kQS + c;
    if (r < rows) {
      load_vec(q + (static_cast<int64_t>(q_begin + m0 + r) * num_heads + h) * D + c, dst);
    } else {
#pragma unroll
      for (int e = 0; e < kVec<T>; e += 4) zero_vec4(dst + e);
    }
  }

  // Each row's position; padding rows take the last real row's, so every row has key 0
  // unmasked and its running max is finite after the first key tile.
  int pos[kRM];
#pragma unroll
  for (int i = 0; i < kRM; ++i) pos[i] = max(first_pos + min(ty * kRM + i, rows - 1), 0);

  float row_max[kRM], row_sum[kRM], acc[kRM][kCD * 4];
#pragma unroll
  for (int i = 0; i < kRM; ++i) {
    row_max[i] = -INFINITY;
    row_sum[i] = 0.f;
#pragma unroll
    for (int e = 0; e < kCD * 4; ++e) acc[i][e] = 0.f;
  }

  const int key_end = min(last_pos + 1, ctx);  // keys at or past this load as zero rows
  for (int n0 = 0; n0 <= last_pos; n0 += kN) {
    __syncthreads();  // Q is written / the previous V tile is consumed
    load_kv_rows<T, D, kThreads>(kv_s, kQS, kN, k_cache, table, block_size, num_kv_heads,
                                 kv_head, n0, key_end);
    __syncthreads();

    // S = Q K^T for this thread's kRM x kCN scores, float4 at a time along head_dim.
    float sc[kRM][kCN];
#pragma unroll
    for (int i = 0; i < kRM; ++i)
#pragma unroll
      for (int c = 0; c < kCN; ++c) sc[i][c] = 0.f;
#pragma unroll 4
    for (int d = 0; d < D; d += 4) {
      float4 qv[kRM], kv4[kCN];
#pragma unroll
      for (int i = 0; i < kRM; ++i) qv[i] = *reinterpret_cast<const float4*>(q_s + (ty * kRM + i) * kQS + d);
#pragma unroll
      for (int c = 0; c < kCN; ++c) kv4[c] = *reinterpret_cast<const float4*>(kv_s + (tx + 8 * c) * kQS + d);
#pragma unroll
      for (int i = 0; i < kRM; ++i)
#pragma unroll
        for (int c = 0; c < kCN; ++c) {
          sc[i][c] = fmaf(qv[i].x, kv4[c].x, sc[i][c]);
          sc[i][c] = fmaf(qv[i].y, kv4[c].y, sc[i][c]);
          sc[i][c] = fmaf(qv[i].z, kv4[c].z, sc[i][c]);
          sc[i][c] = fmaf(qv[i].w, kv4[c].w, sc[i][c]);
        }
    }

    // Online softmax in base 2 (scale_log2 = scale * log2(e)): mask, new running max,
    // rescale what was accumulated, P into shared memory.
#pragma unroll
    for (int i = 0; i < kRM; ++i) {
      float tile_max = -INFINITY;
#pragma unroll
      for (int c = 0; c < kCN; ++c) {
        const int key = n0 + tx + 8 * c;
        sc[i][c] = key <= pos[i] ? sc[i][c] * scale_log2 : -INFINITY;
        tile_max = fmaxf(tile_max, sc[i][c]);
      }
#pragma unroll
      for (int off = 1; off < 8; off <<= 1) {
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, off));
      }
      const float new_max = fmaxf(row_max[i], tile_max);  // finite: key 0 is in tile 0
      const float correction = exp2f(row_max[i] - new_max);  // 0 on the first tile
      float tile_sum = 0.f;
#pragma unroll
      for (int c = 0; c < kCN; ++c) {
        const float p = exp2f(sc[i][c] - new_max);  // masked: exp2(-inf) = 0
        tile_sum += p;
        p_s[(ty * kRM + i) * kPS + tx + 8 * c] = p;
      }
#pragma unroll
      for (int off = 1; off < 8; off <<= 1) {
        tile_sum += __shfl_xor_sync(0xffffffffu, tile_sum, off);
      }
      row_sum[i] = row_sum[i] * correction + tile_sum;
      row_max[i] = new_max;
#pragma unroll
      for (int e = 0; e < kCD * 4; ++e) acc[i][e] *= correction;
    }
    __syncthreads();  // K consumed, P complete

    load_kv_rows<T, D, kThreads>(kv_s, kQS, kN, v_cache, table, block_size, num_kv_heads,
                                 kv_head, n0, key_end);
    __syncthreads();

    // O += P V.
#pragma unroll 4
    for (int j = 0; j < kN; ++j) {
      float p[kRM];
#pragma unroll
      for (int i = 0; i < kRM; ++i) p[i] = p_s[(ty * kRM + i) * kPS + j];
#pragma unroll
      for (int e = 0; e < kCD; ++e) {
        const float4 vv = *reinterpret_cast<const float4*>(kv_s + j * kQS + 4 * tx + 32 * e);
#pragma unroll
        for (int i = 0; i < kRM; ++i) {
          acc[i][4 * e + 0] = fmaf(p[i], vv.x, acc[i][4 * e + 0]);
          acc[i][4 * e + 1] = fmaf(p[i], vv.y, acc[i][4 * e + 1]);
          acc[i][4 * e + 2] = fmaf(p[i], vv.z, acc[i][4 * e + 2]);
          acc[i][4 * e + 3] = fmaf(p[i], vv.w, acc[i][4 * e + 3]);
        }
      }
    }
  }

  // Normalise into q_s (Q is no longer read), then store whole rows with 16-byte vectors.
  __syncthreads();
#pragma unroll
  for (int i = 0; i < kRM; ++i) {
    const float inv = 1.f / row_sum[i];
#pragma unroll
    for (int e = 0; e < kCD; ++e) {
      float* o = q_s + (ty * kRM + i) * kQS + 4 * tx + 32 * e;
      *reinterpret_cast<float4*>(o) = make_float4(acc[i][4 * e] * inv, acc[i][4 * e + 1] * inv,
                                                  acc[i][4 * e + 2] * inv, acc[i][4 * e + 3] * inv);
    }
  }
  __syncthreads();
  for (int v = threadIdx.x; v < rows * kVecsPerRow; v += kThreads) {
    const int r = v / kVecsPerRow;
    const int c = (v % kVecsPerRow) * kVec<T>;
    store_vec(q_s + r * kQS + c, out + (static_cast<int64_t>(q_begin + m0 + r) * num_heads + h) * D + c);
  }
}

// True when the current device has bf16/f16 mma.sync (sm_80+), unless
// VLLMCTL_ATTENTION_NO_MMA is set to something other than 0 (the FMA path everywhere: for
// debugging, and so that the GPU test covers both paths).
bool use_tensor_cores() {
  const char* off = std::getenv("VLLMCTL_ATTENTION_NO_MMA");
  if (off != nullptr && off[0] != '\0' && std::strcmp(off, "0") != 0) return false;
  int device = 0, major = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess) {
    return false;
  }
  return major >= 8;
}

template <typename T, int D>
void launch_prefill(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                    int num_heads, float scale, cudaStream_t stream) {
  const float scale_log2 = scale * 1.4426950408889634f;  // softmax in base 2
  if constexpr (!std::is_same_v<T, float>) {
    if (use_tensor_cores()) {
      const dim3 grid((batch.max_query_len + kMmaTileM - 1) / kMmaTileM, num_heads, batch.num_seqs);
      attention_prefill_mma_kernel<T, D><<<grid, kMmaThreads, 0, stream>>>(
          static_cast<T*>(out), static_cast<const T*>(q), static_cast<const T*>(kv.k),
          static_cast<const T*>(kv.v), batch.query_start, batch.context_lens, batch.block_tables,
          batch.max_blocks_per_seq, kv.block_size, num_heads, kv.num_kv_heads, scale_log2);
      return;
    }
  }
  constexpr int kM = PrefillTile<D>::kM;
  const dim3 grid((batch.max_query_len + kM - 1) / kM, num_heads, batch.num_seqs);
  attention_prefill_kernel<T, D><<<grid, kThreads, 0, stream>>>(
      static_cast<T*>(out), static_cast<const T*>(q), static_cast<const T*>(kv.k),
      static_cast<const T*>(kv.v), batch.query_start, batch.context_lens, batch.block_tables,
      batch.max_blocks_per_seq, kv.block_size, num_heads, kv.num_kv_heads, scale_log2);
}

template <typename T>
void dispatch_head_dim(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                       int num_heads, float scale, cudaStream_t stream) {
  if (kv.head_dim == 64) {
    launch_prefill<T, 64>(out, q, kv, batch, num_heads, scale, stream);
  } else {
    launch_prefill<T, 128>(out, q, kv, batch, num_heads, scale, stream);
  }
}

void check_aligned(const char* name, const void* p) {
  if (reinterpret_cast<uintptr_t>(p) % 16 != 0) {
    throw std::invalid_argument(std::string("attention_prefill: ") + name +
                                " is not 16-byte aligned");
  }
}

}  // namespace

namespace cuda {

void attention_prefill(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                       int num_heads, float scale, cudaStream_t stream) {
  check_attention_args("attention_prefill", kv, batch, num_heads);
  if (batch.num_seqs == 0 || batch.max_query_len == 0) return;
  check_aligned("out", out);
  check_aligned("q", q);
  check_aligned("kv.k", kv.k);
  check_aligned("kv.v", kv.v);
  if (num_heads > 65535) {
    throw std::invalid_argument("attention_prefill: num_heads " + std::to_string(num_heads) +
                                " > 65535 (one grid dimension)");
  }
  switch (kv.dtype) {
    case DType::kF32: dispatch_head_dim<float>(out, q, kv, batch, num_heads, scale, stream); break;
    case DType::kF16: dispatch_head_dim<__half>(out, q, kv, batch, num_heads, scale, stream); break;
    case DType::kBF16:
      dispatch_head_dim<__nv_bfloat16>(out, q, kv, batch, num_heads, scale, stream);
      break;
    default:
      throw std::invalid_argument("attention_prefill: dtype " +
                                  std::to_string(static_cast<int>(kv.dtype)) + " is unknown");
  }
}

}  // namespace cuda
}  // namespace vllmctl::kernels
