// Matrix: a weight matrix [rows, cols] held in F32 or in BF16 (half the bytes: decode on
// a CPU is bound by how fast weights stream from memory), and the linear layer over it.
#pragma once

#include <cstdint>
#include <vector>

namespace vllmctl::cpu {

class Matrix {
 public:
  enum class Kind { kF32, kBF16 };

  Matrix() = default;
  static Matrix f32(std::vector<float> data, int64_t rows, int64_t cols);
  static Matrix bf16(std::vector<uint16_t> data, int64_t rows, int64_t cols);

  Kind kind() const { return kind_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  const float* f32_data() const { return f32_.data(); }
  const uint16_t* bf16_data() const { return bf16_.data(); }
  uint64_t size_bytes() const { return f32_.size() * 4 + bf16_.size() * 2; }

  // out[0, cols) = row r in F32.
  void copy_row(int64_t r, float* out) const;

 private:
  Kind kind_ = Kind::kF32;
  int64_t rows_ = 0, cols_ = 0;
  std::vector<float> f32_;
  std::vector<uint16_t> bf16_;
};

// out: [num_tokens, w.rows()] = x · wᵀ (+ bias); x: [num_tokens, w.cols()];
// bias: [w.rows()] or null. F32 goes to BLAS. BF16 streams the weights once through a
// vectorised kernel for decode-sized batches, and converts row tiles for BLAS above that.
void linear(float* out, const float* x, const Matrix& w, const float* bias, int num_tokens);

// out: [num_tokens, cols] = table rows ids[t].
void embedding(float* out, const Matrix& table, const int32_t* ids, int num_tokens);

}  // namespace vllmctl::cpu
