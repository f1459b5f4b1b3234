// CUDA decode attention over the paged KV cache (vLLM paged_attention_v2's shape): one
// block per (KV head, sequence, 256-token partition) scores the partition for all the query
// heads of that KV head, so each K/V tile is loaded once per group; a second kernel merges
// the partitions' (max, sum of exponentials, output) when the context needs more than one.
#include "kernels/attention_decode.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/attention_common.cuh"

namespace vllmctl::kernels {
namespace {

using attention_detail::copy_kv_rows;
using attention_detail::kVec;
using attention_detail::load_regs;
using attention_detail::load_vec;
using attention_detail::to_f32;

constexpr int kThreads = 128;  // 4 warps
constexpr int kPart = kDecodePartitionSize;
constexpr int kMaxHeadsPerBlock = 8;  // larger groups are split over several blocks

// Keys per shared-memory K/V tile: tiles hold the cache's own elements (converted to F32 as
// they are read), 64 keys of 16-bit or 32 of F32, about 17 KiB either way. Fewer, larger
// tiles mean fewer round trips to memory in the block's serial loop.
template <typename T>
constexpr int kTile = sizeof(T) == 2 ? 64 : 32;
static_assert(kPart % 64 == 0, "a partition is whole tiles");

// grid: (num_kv_heads * chunks, num_seqs, num_partitions); block: kThreads.
// The block serves query heads head0 .. head0 + num_block_heads - 1 (<= GP, the padded
// count; padding heads compute on zero queries and are never stored) of one KV head, over
// keys [p0, end) of one sequence: end = min(p0 + kPart, ctx).
//   1. scores: per K tile, thread (warp w, lane l) takes keys l, l + 32 (.. < kTile) and
//      heads w, w + 4, ...; logits_s keeps the partition's scores (base 2: scaled by
//      scale * log2(e)).
//   2. softmax: warp w takes heads w, w + 4, ...: partition max, exponentials in place,
//      their sum.
//   3. P V: per V tile, thread t takes column t % D and heads t / D + (128 / D) i.
// With one partition the normalised rows go straight to `out`; otherwise to the workspace
// (partial_out, max_scores, exp_sums at [seq, head, partition]) for the reduce kernel.
// (__launch_bounds__' 5 blocks per SM: up to 102 registers, no spills; ptxas would
// otherwise cap the small-GP variants at 32 registers for occupancy, and spill.)
template <typename T, int D, int GP>
__global__ void __launch_bounds__(kThreads, 5)
attention_decode_kernel(T* __restrict__ out, const T* __restrict__ q,
                        const T* __restrict__ k_cache, const T* __restrict__ v_cache,
                        const int32_t* __restrict__ query_start,
                        const int32_t* __restrict__ context_lens,
                        const int32_t* __restrict__ block_tables, int max_blocks_per_seq,
                        int block_size, int num_heads, int num_kv_heads, int chunks,
                        int heads_per_block, float scale_log2, int num_partitions,
                        float* __restrict__ max_scores, float* __restrict__ exp_sums,
                        float* __restrict__ partial_out) {
  constexpr int kTileT = kTile<T>;
  constexpr int kKS = D + kVec<T>;             // tile row stride: 16-byte rows 4 banks apart
  constexpr int kKeysPerLane = kTileT / 32;    // keys per thread when scoring
  constexpr int kGPT = (GP + 3) / 4;           // heads per thread when scoring
  constexpr int kDT = kThreads / D;            // threads per column in P V
  constexpr int kHPT = (GP + kDT - 1) / kDT;   // heads per thread in P V
  __shared__ __align__(16) float q_s[GP * D];
  __shared__ __align__(16) T kv_s[kTileT * kKS];
  __shared__ __align__(16) float logits_s[GP * kPart];
  __shared__ float inv_sum_s[GP];

  const int kv_head = blockIdx.x / chunks;
  const int group = num_heads / num_kv_heads;
  const int first_in_group = (blockIdx.x % chunks) * heads_per_block;
  const int head0 = kv_head * group + first_in_group;
  const int num_block_heads = min(heads_per_block, group - first_in_group);
  const int s = blockIdx.y;
  const int part = blockIdx.z;
  const int row = query_start[s];
  if (query_start[s + 1] == row) return;  // no query row for this sequence
  const int ctx = context_lens[s];
  const int p0 = part * kPart;
  constexpr int kVecsPerRow = D / kVec<T>;
  if (p0 >= ctx) {  // past this sequence's context (or a padding slot: ctx == 0)
    if (ctx <= 0 && num_partitions == 1) {  // with several, the reduce kernel writes zeros
      for (int i = threadIdx.x; i < num_block_heads * D; i += kThreads) {
        attention_detail::store_scalar(
            0.f, out + (static_cast<int64_t>(row) * num_heads + head0) * D + i);
      }
    }
    return;  // uniform over the block: before any barrier
  }
  const int end = min(p0 + kPart, ctx);
  const int32_t* table = block_tables + static_cast<int64_t>(s) * max_blocks_per_seq;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;

  for (int v = threadIdx.x; v < GP * kVecsPerRow; v += kThreads) {
    const int g = v / kVecsPerRow;
    const int c = (v % kVecsPerRow) * kVec<T>;
    if (g < num_block_heads) {
      load_vec(q + (static_cast<int64_t>(row) * num_heads + head0 + g) * D + c, q_s + g * D + c);
    } else {
#pragma unroll
      for (int e = 0; e < kVec<T>; e += 4) attention_detail::zero_vec4(q_s + g * D + c + e);
    }
  }

  // 1. Scores.
  for (int t0 = p0; t0 < end; t0 += kTileT) {
    __syncthreads();  // q_s written / the previous tile consumed
    copy_kv_rows<T, D, kThreads>(kv_s, kKS, kTileT, k_cache, table, block_size, num_kv_heads,
                                 kv_head, t0, end);
    __syncthreads();
    if (warp < GP) {
      float dot[kGPT][kKeysPerLane];
#pragma unroll
      for (int i = 0; i < kGPT; ++i)
#pragma unroll
        for (int kk = 0; kk < kKeysPerLane; ++kk) dot[i][kk] = 0.f;
#pragma unroll 4
      for (int d = 0; d < D; d += kVec<T>) {
        float k[kKeysPerLane][kVec<T>];
#pragma unroll
        for (int kk = 0; kk < kKeysPerLane; ++kk) load_regs(kv_s + (lane + 32 * kk) * kKS + d, k[kk]);
#pragma unroll
        for (int i = 0; i < kGPT; ++i) {
          if (warp + 4 * i < GP) {
#pragma unroll
            for (int e = 0; e < kVec<T>; e += 4) {
              const float4 q4 = *reinterpret_cast<const float4*>(q_s + (warp + 4 * i) * D + d + e);
#pragma unroll
              for (int kk = 0; kk < kKeysPerLane; ++kk) {
                dot[i][kk] = fmaf(q4.x, k[kk][e], dot[i][kk]);
                dot[i][kk] = fmaf(q4.y, k[kk][e + 1], dot[i][kk]);
                dot[i][kk] = fmaf(q4.z, k[kk][e + 2], dot[i][kk]);
                dot[i][kk] = fmaf(q4.w, k[kk][e + 3], dot[i][kk]);
              }
            }
          }
        }
      }
#pragma unroll
      for (int kk = 0; kk < kKeysPerLane; ++kk) {
        const int key = t0 + lane + 32 * kk;
        if (key >= end) continue;
#pragma unroll
        for (int i = 0; i < kGPT; ++i) {
          if (warp + 4 * i < GP) logits_s[(warp + 4 * i) * kPart + key - p0] = dot[i][kk] * scale_log2;
        }
      }
    }
  }
  __syncthreads();

  // 2. Softmax over the partition, per head. Entries from the partition's end up to its
  // last tile's end become 0, so that P V runs over whole tiles.
  const int n = end - p0;
  const int n_tiles_end = (n + kTileT - 1) / kTileT * kTileT;
  for (int g = warp; g < GP; g += 4) {
    float* logits = logits_s + g * kPart;
    float m = -INFINITY;
    for (int j = lane; j < n; j += 32) m = fmaxf(m, logits[j]);
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
    float sum = 0.f;
    for (int j = lane; j < n_tiles_end; j += 32) {
      const float p = j < n ? exp2f(logits[j] - m) : 0.f;  // n >= 1, so m is finite
      logits[j] = p;
      sum += p;
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, off);
    if (lane == 0) {
      inv_sum_s[g] = 1.f / sum;
      if (num_partitions > 1 && g < num_block_heads) {
        const int64_t idx = (static_cast<int64_t>(s) * num_heads + head0 + g) * num_partitions + part;
        max_scores[idx] = m;
        exp_sums[idx] = sum;
      }
    }
  }

  // 3. O = P V.
  const int d = threadIdx.x % D;
  const int g_first = threadIdx.x / D;
  float acc[kHPT];
#pragma unroll
  for (int i = 0; i < kHPT; ++i) acc[i] = 0.f;
  for (int t0 = p0; t0 < end; t0 += kTileT) {
    __syncthreads();  // logits_s final / the previous tile consumed
    copy_kv_rows<T, D, kThreads>(kv_s, kKS, kTileT, v_cache, table, block_size, num_kv_heads,
                                 kv_head, t0, end);
    __syncthreads();
#pragma unroll 4
    for (int j = 0; j < kTileT; j += 4) {
      const float v0 = to_f32(kv_s[j * kKS + d]), v1 = to_f32(kv_s[(j + 1) * kKS + d]);
      const float v2 = to_f32(kv_s[(j + 2) * kKS + d]), v3 = to_f32(kv_s[(j + 3) * kKS + d]);
#pragma unroll
      for (int i = 0; i < kHPT; ++i) {
        const int g = g_first + kDT * i;
        if (g < GP) {
          const float4 p = *reinterpret_cast<const float4*>(logits_s + g * kPart + t0 - p0 + j);
          acc[i] = fmaf(p.x, v0, fmaf(p.y, v1, fmaf(p.z, v2, fmaf(p.w, v3, acc[i]))));
        }
      }
    }
  }

#pragma unroll
  for (int i = 0; i < kHPT; ++i) {
    const int g = g_first + kDT * i;
    if (g >= num_block_heads) continue;
    const float o = acc[i] * inv_sum_s[g];
    if (num_partitions == 1) {
      attention_detail::store_scalar(o, out + (static_cast<int64_t>(row) * num_heads + head0 + g) * D + d);
    } else {
      const int64_t idx = (static_cast<int64_t>(s) * num_heads + head0 + g) * num_partitions + part;
      partial_out[idx * D + d] = o;
    }
  }
}

// grid: (num_heads, num_seqs); block: kThreads. Merges a sequence's partitions for one
// head: weights exp_sums[p] * 2^(max_scores[p] - max), output = weighted mean of the
// partitions' normalised outputs, rounded once to T. A padding slot (ctx 0) gets zeros.
// A sequence with one partition takes its output as is: bit for bit what the one-partition
// launch stores, so a row does not depend on the launch's num_partitions (a CUDA graph's
// grid is sized for max_model_len; the same step run eagerly may have one partition).
template <typename T>
__global__ void __launch_bounds__(kThreads)
attention_decode_reduce_kernel(T* __restrict__ out, const float* __restrict__ max_scores,
                               const float* __restrict__ exp_sums,
                               const float* __restrict__ partial_out,
                               const int32_t* __restrict__ query_start,
                               const int32_t* __restrict__ context_lens, int num_heads,
                               int head_dim, int num_partitions) {
  const int h = blockIdx.x;
  const int s = blockIdx.y;
  const int row = query_start[s];
  if (query_start[s + 1] == row) return;
  const int n_parts = (max(context_lens[s], 0) + kPart - 1) / kPart;
  const int64_t base = (static_cast<int64_t>(s) * num_heads + h) * num_partitions;
  T* out_row = out + (static_cast<int64_t>(row) * num_heads + h) * head_dim;
  if (n_parts <= 1) {
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
      attention_detail::store_scalar(n_parts == 1 ? partial_out[base * head_dim + d] : 0.f, out_row + d);
    }
    return;
  }
  float m = -INFINITY;
  for (int p = 0; p < n_parts; ++p) m = fmaxf(m, max_scores[base + p]);
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float num = 0.f, den = 0.f;
    for (int p = 0; p < n_parts; ++p) {
      const float w = exp_sums[base + p] * exp2f(max_scores[base + p] - m);
      num = fmaf(w, partial_out[(base + p) * head_dim + d], num);
      den += w;
    }
    attention_detail::store_scalar(num / den, out_row + d);
  }
}

template <typename T, int D, int GP>
void launch_decode(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                   int num_heads, float scale, int chunks, int heads_per_block,
                   int num_partitions, float* workspace, cudaStream_t stream) {
  const int64_t n = static_cast<int64_t>(batch.num_seqs) * num_heads * num_partitions;
  float* max_scores = num_partitions > 1 ? workspace : nullptr;
  float* exp_sums = num_partitions > 1 ? workspace + n : nullptr;
  float* partial_out = num_partitions > 1 ? workspace + 2 * n : nullptr;
  const dim3 grid(kv.num_kv_heads * chunks, batch.num_seqs, num_partitions);
  attention_decode_kernel<T, D, GP><<<grid, kThreads, 0, stream>>>(
      static_cast<T*>(out), static_cast<const T*>(q), static_cast<const T*>(kv.k),
      static_cast<const T*>(kv.v), batch.query_start, batch.context_lens, batch.block_tables,
      batch.max_blocks_per_seq, kv.block_size, num_heads, kv.num_kv_heads, chunks,
      heads_per_block, scale * 1.4426950408889634f, num_partitions, max_scores, exp_sums,
      partial_out);
  if (num_partitions > 1) {
    attention_decode_reduce_kernel<T><<<dim3(num_heads, batch.num_seqs), kThreads, 0, stream>>>(
        static_cast<T*>(out), max_scores, exp_sums, partial_out, batch.query_start,
        batch.context_lens, num_heads, D, num_partitions);
  }
}

// Template dispatch: dtype -> T, head_dim -> D, heads per block -> GP (1, 2, 4 or 8).
template <typename T, int D>
void dispatch_heads(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                    int num_heads, float scale, int chunks, int heads_per_block,
                    int num_partitions, float* workspace, cudaStream_t stream) {
  if (heads_per_block <= 1) {
    launch_decode<T, D, 1>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, workspace, stream);
  } else if (heads_per_block <= 2) {
    launch_decode<T, D, 2>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, workspace, stream);
  } else if (heads_per_block <= 4) {
    launch_decode<T, D, 4>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, workspace, stream);
  } else {
    launch_decode<T, D, 8>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, workspace, stream);
  }
}

template <typename T>
void dispatch_head_dim(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                       int num_heads, float scale, int chunks, int heads_per_block,
                       int num_partitions, float* workspace, cudaStream_t stream) {
  if (kv.head_dim == 64) {
    dispatch_heads<T, 64>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, workspace, stream);
  } else {
    dispatch_heads<T, 128>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, workspace, stream);
  }
}

void check_aligned(const char* name, const void* p, unsigned alignment) {
  if (reinterpret_cast<uintptr_t>(p) % alignment != 0) {
    throw std::invalid_argument(std::string("attention_decode: ") + name + " is not " +
                                std::to_string(alignment) + "-byte aligned");
  }
}

}  // namespace

namespace cuda {

void attention_decode(void* out, const void* q, const PagedKv& kv, const AttentionBatch& batch,
                      int num_heads, float scale, void* workspace, size_t workspace_bytes,
                      cudaStream_t stream) {
  check_attention_decode_args(kv, batch, num_heads, workspace, workspace_bytes);
  if (batch.num_seqs == 0 || batch.max_query_len == 0) return;
  check_aligned("out", out, 16);
  check_aligned("q", q, 16);
  check_aligned("kv.k", kv.k, 16);
  check_aligned("kv.v", kv.v, 16);
  check_aligned("workspace", workspace, 4);
  // At least one partition, so that padding slots (ctx 0) still get their zero rows.
  const int num_partitions = std::max(1, decode_num_partitions(batch.max_context_len));
  if (num_partitions > 65535) {
    throw std::invalid_argument("attention_decode: max_context_len " +
                                std::to_string(batch.max_context_len) + " needs " +
                                std::to_string(num_partitions) + " > 65535 partitions");
  }
  // A group larger than kMaxHeadsPerBlock is split evenly over `chunks` blocks (each loads
  // the KV tiles again): the logits of 8 heads x a partition's keys are what fits in shared memory.
  const int group = num_heads / kv.num_kv_heads;
  const int chunks = (group + kMaxHeadsPerBlock - 1) / kMaxHeadsPerBlock;
  const int heads_per_block = (group + chunks - 1) / chunks;
  if (static_cast<int64_t>(kv.num_kv_heads) * chunks > 2147483647LL) {
    throw std::invalid_argument("attention_decode: num_kv_heads " + std::to_string(kv.num_kv_heads) +
                                " too large for the grid");
  }
  float* ws = static_cast<float*>(workspace);
  switch (kv.dtype) {
    case DType::kF32:
      dispatch_head_dim<float>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, ws, stream);
      break;
    case DType::kF16:
      dispatch_head_dim<__half>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, ws, stream);
      break;
    case DType::kBF16:
      dispatch_head_dim<__nv_bfloat16>(out, q, kv, batch, num_heads, scale, chunks, heads_per_block, num_partitions, ws, stream);
      break;
    default:
      throw std::invalid_argument("attention_decode: dtype " +
                                  std::to_string(static_cast<int>(kv.dtype)) + " is unknown");
  }
}

}  // namespace cuda
}  // namespace vllmctl::kernels
