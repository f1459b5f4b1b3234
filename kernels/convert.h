// Element type conversion of a buffer (F32 <-> BF16 / F16, and BF16 <-> F16 through F32):
// hands logits to the host as F32, casts weights at load time.
#pragma once

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// dst: [n] in dst_dtype = src: [n] in src_dtype, rounded to nearest even (NaN stays NaN,
// overflow to F16 gives inf). Same dtypes: a copy. dst and src must not overlap.
namespace cpu {
void convert(void* dst, DType dst_dtype, const void* src, DType src_dtype, int64_t n);
}  // namespace cpu

namespace cuda {
void convert(void* dst, DType dst_dtype, const void* src, DType src_dtype, int64_t n,
             cudaStream_t stream);
}  // namespace cuda

}  // namespace vllmctl::kernels
