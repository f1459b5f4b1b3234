// What every kernel header shares: element types, the stream handle, the paged KV cache
// as one plain struct, and host-side bf16/f16 conversions for the CPU twins. Plain C++:
// it compiles without CUDA, so the twins and their tests build everywhere.
#pragma once

#include <cstdint>
#include <cstring>

// The CUDA runtime's own declaration of a stream handle (driver_types.h), repeated so that
// kernel headers need no CUDA include. Identical typedefs are legal C++.
typedef struct CUstream_st* cudaStream_t;

namespace vllmctl::kernels {

// Element type of activations, weights and the KV cache. Accumulation is always F32.
enum class DType : int { kF32 = 0, kF16 = 1, kBF16 = 2 };

inline int dtype_size(DType t) { return t == DType::kF32 ? 4 : 2; }

// The paged KV cache of one layer. k, v: [num_blocks, block_size, num_kv_heads, head_dim]
// in `dtype`; a token at slot s lives at row s = block * block_size + offset (the same
// layout as the CPU backend, so parity tests compare caches directly).
struct PagedKv {
  void* k = nullptr;
  void* v = nullptr;
  DType dtype = DType::kBF16;
  int num_blocks = 0;
  int block_size = 16;
  int num_kv_heads = 0;
  int head_dim = 0;
};

// The ragged batch as the attention kernels see it (device or host pointers, matching
// where the kernel runs). Sequence s owns query rows [query_start[s], query_start[s+1]),
// the last of its context_lens[s] tokens (cached prefix + new tokens, all already written
// to the cache); block_tables row s (max_blocks_per_seq wide) maps positions to blocks.
struct AttentionBatch {
  const int32_t* query_start = nullptr;   // [num_seqs + 1]
  const int32_t* context_lens = nullptr;  // [num_seqs]
  const int32_t* block_tables = nullptr;  // [num_seqs, max_blocks_per_seq]
  int num_seqs = 0;
  int max_blocks_per_seq = 0;
  int max_query_len = 0;    // max over s of query_start[s+1] - query_start[s]
  int max_context_len = 0;  // max over s of context_lens[s]
};

// Host conversions (round to nearest even), bit patterns in uint16_t.
inline float bf16_to_f32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
  }
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float f16_to_f32(uint16_t h);   // kernels/kernel_types.cpp
uint16_t f32_to_f16(float f);

// Element i of a buffer of `dtype`, as F32 / stored from F32 (the twins' load and store).
inline float load_f32(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::kF32: return static_cast<const float*>(p)[i];
    case DType::kF16: return f16_to_f32(static_cast<const uint16_t*>(p)[i]);
    case DType::kBF16: return bf16_to_f32(static_cast<const uint16_t*>(p)[i]);
  }
  return 0.0f;
}

inline void store_f32(void* p, DType t, int64_t i, float x) {
  switch (t) {
    case DType::kF32: static_cast<float*>(p)[i] = x; break;
    case DType::kF16: static_cast<uint16_t*>(p)[i] = f32_to_f16(x); break;
    case DType::kBF16: static_cast<uint16_t*>(p)[i] = f32_to_bf16(x); break;
  }
}

}  // namespace vllmctl::kernels
