// CublasLtGemm: out = x · wᵀ (+ bias) through cuBLASLt, for row-major x [m, k] and w [n, k]
// (the safetensors layout), bf16/f16 inputs, F32 accumulation. libcublasLt.so.13 is opened
// at run time (dlopen), so the binary carries no NEEDED on it and starts without CUDA.
// REQUIRES: one thread at a time (the engine thread); operands 256-byte aligned.
#pragma once

#include "kernels/kernel_types.h"

#include <cstddef>
#include <memory>

namespace vllmctl::cuda {

class CublasLtGemm {
 public:
  // Opens libcublasLt, creates a handle and a device workspace of `workspace_bytes`.
  // Throws std::runtime_error when the library or the handle is unavailable.
  explicit CublasLtGemm(size_t workspace_bytes);
  ~CublasLtGemm();
  CublasLtGemm(const CublasLtGemm&) = delete;
  CublasLtGemm& operator=(const CublasLtGemm&) = delete;

  // out: [m, n] row-major in out_dtype (in_dtype or F32); x: [m, k], w: [n, k] in in_dtype
  // (bf16 or f16); bias: [n] in out_dtype, or null. The matmul descriptor, layouts and the
  // heuristic's algorithm are cached per (m, n, k, dtypes, bias, algo_m). Asynchronous on
  // `stream`; never allocates or synchronises (the workspace is passed to every call), so
  // it may be captured into a CUDA graph once the shape's plan exists (a warm-up call).
  // algo_m > m: run the algorithm the heuristic picks for algo_m rows (when cuBLASLt
  // accepts it for m), so that a step and its copy padded to algo_m rows (a CUDA graph
  // bucket) compute each row alike. Throws std::runtime_error naming the shape and status.
  void matmul(void* out, kernels::DType out_dtype, const void* x, const void* w, const void* bias,
              int m, int n, int k, kernels::DType in_dtype, cudaStream_t stream, int algo_m = 0);

  size_t num_cached_plans() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vllmctl::cuda
