// Matrix and the BF16 linear layer: an AVX-512 kernel when the CPU has it, portable
// code otherwise, and F32 tiles through BLAS for larger batches.
#include "engine/backend/cpu/matrix.h"

#include "engine/backend/cpu/ops.h"

#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <cstring>

// GCC 12's AVX-512 headers build results from _mm512_undefined_*(), which inlining into
// the unrolled kernel reports as -Wmaybe-uninitialized; the values are always written.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace vllmctl::cpu {

namespace {

inline float bf16_value(uint16_t bits) {
  const uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Batches up to this many tokens use the streaming kernel (one pass over the weights,
// each block of rows reused from cache for every token group); larger ones are
// compute-bound prefills and go to BLAS on converted tiles.
constexpr int kMaxStreamTokens = 64;
// The kernel's register blocking: kRowsPerPass weight rows times up to kTokensPerPass
// tokens of accumulators (4 x 6 = 24 of the 32 zmm registers), so each weight load feeds
// six FMAs and each activation load four; one row by one token per load was load-bound.
constexpr int kRowsPerPass = 4;
constexpr int kTokensPerPass = 6;

// out[t][j] = dot(w[j], x[t]) for rows [j, j + R) and tokens [0, T).
template <int R, int T>
__attribute__((target("avx512f"), always_inline)) inline void dot_block_avx512(float* out, const float* x,
                                                                             const uint16_t* w, int64_t in,
                                                                             int64_t out_features, int64_t j) {
  __m512 acc[R][T];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= in; k += 16) {
    __m512 wv[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + (j + r) * in + k));
      wv[r] = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const __m512 xv = _mm512_loadu_ps(x + t * in + k);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const uint16_t* row = w + (j + r) * in;
    for (int t = 0; t < T; ++t) {
      float sum = _mm512_reduce_add_ps(acc[r][t]);
      for (int64_t kk = k; kk < in; ++kk) sum += bf16_value(row[kk]) * x[t * in + kk];
      out[t * out_features + j + r] = sum;
    }
  }
}

template <int T>
__attribute__((target("avx512f"))) void stream_rows_avx512(float* out, const float* x, const uint16_t* w,
                                                           int64_t in, int64_t out_features, int64_t j0,
                                                           int64_t j1) {
  int64_t j = j0;
  for (; j + kRowsPerPass <= j1; j += kRowsPerPass) dot_block_avx512<kRowsPerPass, T>(out, x, w, in, out_features, j);
  for (; j < j1; ++j) dot_block_avx512<1, T>(out, x, w, in, out_features, j);
}

template <int T>
void stream_rows_portable(float* out, const float* x, const uint16_t* w, int64_t in, int64_t out_features,
                          int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; ++j) {
    const uint16_t* row = w + j * in;
    float acc[T] = {};
    for (int64_t k = 0; k < in; ++k) {
      const float wv = bf16_value(row[k]);
      for (int t = 0; t < T; ++t) acc[t] += wv * x[t * in + k];
    }
    for (int t = 0; t < T; ++t) out[t * out_features + j] = acc[t];
  }
}

using StreamFn = void (*)(float*, const float*, const uint16_t*, int64_t, int64_t, int64_t, int64_t);

template <int T>
StreamFn pick_stream() {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 ? &stream_rows_avx512<T> : &stream_rows_portable<T>;
}

StreamFn stream_kernel(int num_tokens) {
  static_assert(kTokensPerPass == 6, "stream_kernel's cases cover 1..kTokensPerPass");
  switch (num_tokens) {
    case 1: return pick_stream<1>();
    case 2: return pick_stream<2>();
    case 3: return pick_stream<3>();
    case 4: return pick_stream<4>();
    case 5: return pick_stream<5>();
    default: return pick_stream<6>();
  }
}

void linear_bf16(float* out, const float* x, const Matrix& w, int num_tokens) {
  const int64_t in = w.cols(), out_features = w.rows();
  if (num_tokens <= kMaxStreamTokens) {
    // A task is a block of rows; within it, token groups of 8 reuse the block from cache.
    constexpr int64_t kRowsPerTask = 16;
    const int64_t tasks = (out_features + kRowsPerTask - 1) / kRowsPerTask;
#pragma omp parallel for schedule(static) if (out_features * in >= (1L << 18))
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t j0 = task * kRowsPerTask;
      const int64_t j1 = std::min(out_features, j0 + kRowsPerTask);
      for (int t0 = 0; t0 < num_tokens; t0 += kTokensPerPass) {
        const int group = std::min(kTokensPerPass, num_tokens - t0);
        stream_kernel(group)(out + static_cast<int64_t>(t0) * out_features, x + static_cast<int64_t>(t0) * in,
                             w.bf16_data(), in, out_features, j0, j1);
      }
    }
    return;
  }
  // Compute-bound: convert a tile of rows to F32, let BLAS multiply it. The tile buffer
  // is kept between calls: allocating it each time costs page faults on every layer.
  constexpr int64_t kTileRows = 512;
  static thread_local std::vector<float> tile_buffer;  // the calling thread's; workers get a pointer
  if (tile_buffer.size() < static_cast<size_t>(kTileRows * in)) tile_buffer.resize(static_cast<size_t>(kTileRows * in));
  float* const tile = tile_buffer.data();
  for (int64_t j0 = 0; j0 < out_features; j0 += kTileRows) {
    const int64_t rows = std::min(kTileRows, out_features - j0);
    const uint16_t* src = w.bf16_data() + j0 * in;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < rows * in; ++i) tile[i] = bf16_value(src[i]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, num_tokens, static_cast<int>(rows), static_cast<int>(in),
                1.0f, x, static_cast<int>(in), tile, static_cast<int>(in), 0.0f, out + j0,
                static_cast<int>(out_features));
  }
}

}  // namespace

Matrix Matrix::f32(std::vector<float> data, int64_t rows, int64_t cols) {
  Matrix m;
  m.kind_ = Kind::kF32;
  m.rows_ = rows;
  m.cols_ = cols;
  m.f32_ = std::move(data);
  return m;
}

Matrix Matrix::bf16(std::vector<uint16_t> data, int64_t rows, int64_t cols) {
  Matrix m;
  m.kind_ = Kind::kBF16;
  m.rows_ = rows;
  m.cols_ = cols;
  m.bf16_ = std::move(data);
  return m;
}

void Matrix::copy_row(int64_t r, float* out) const {
  if (kind_ == Kind::kF32) {
    std::memcpy(out, f32_.data() + r * cols_, sizeof(float) * static_cast<size_t>(cols_));
    return;
  }
  const uint16_t* src = bf16_.data() + r * cols_;
  for (int64_t i = 0; i < cols_; ++i) out[i] = bf16_value(src[i]);
}

void linear(float* out, const float* x, const Matrix& w, const float* bias, int num_tokens) {
  if (w.kind() == Matrix::Kind::kF32) {
    linear(out, x, w.f32_data(), nullptr, num_tokens, static_cast<int>(w.cols()), static_cast<int>(w.rows()));
  } else {
    linear_bf16(out, x, w, num_tokens);
  }
  if (bias) {
    for (int t = 0; t < num_tokens; ++t) {
      float* row = out + static_cast<int64_t>(t) * w.rows();
      for (int64_t j = 0; j < w.rows(); ++j) row[j] += bias[j];
    }
  }
}

void embedding(float* out, const Matrix& table, const int32_t* ids, int num_tokens) {
  for (int t = 0; t < num_tokens; ++t) table.copy_row(ids[t], out + static_cast<int64_t>(t) * table.cols());
}

}  // namespace vllmctl::cpu
