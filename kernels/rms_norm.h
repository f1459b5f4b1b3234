// RMSNorm and the fused residual-add + RMSNorm of every decoder layer (the same functions
// as vllmctl::cpu::rms_norm / add_rms_norm in engine/backend/cpu/ops.h, for any dtype).
#pragma once

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// Both: x, out, residual: [num_tokens, hidden]; weight: [hidden]; all in `dtype`.
// Math in F32: inv = 1 / sqrt(mean(x^2) + eps); out = x * inv * weight, rounded once to
// dtype. The CPU twin sums squares in double (as ops.cpp does), the GPU in F32 (a tree
// over the block): they differ by reduction rounding only.
namespace cpu {
// out may alias x.
void rms_norm(void* out, const void* x, const void* weight, int num_tokens, int hidden,
              float eps, DType dtype);
// residual = round(residual + x) (stored, then normalised, as the GPU does); x = rms_norm(residual).
void add_rms_norm(void* x, void* residual, const void* weight, int num_tokens, int hidden,
                  float eps, DType dtype);
}  // namespace cpu

namespace cuda {
void rms_norm(void* out, const void* x, const void* weight, int num_tokens, int hidden,
              float eps, DType dtype, cudaStream_t stream);
void add_rms_norm(void* x, void* residual, const void* weight, int num_tokens, int hidden,
                  float eps, DType dtype, cudaStream_t stream);
}  // namespace cuda

}  // namespace vllmctl::kernels
