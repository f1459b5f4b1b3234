// Embedding gather: out[t] = table[ids[t]]. The first op of the forward pass.
#pragma once

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// out: [num_tokens, hidden]; table: [vocab, hidden]; ids: [num_tokens]; both in `dtype`.
// REQUIRES: every id in [0, vocab) (validated by the caller: the tokenizer and the API
// edge; the kernels do not know vocab and do not check, an out-of-range id reads
// out of bounds).
namespace cpu {
void embedding(void* out, const void* table, const int32_t* ids, int num_tokens, int hidden,
               DType dtype);
}  // namespace cpu

namespace cuda {
void embedding(void* out, const void* table, const int32_t* ids, int num_tokens, int hidden,
               DType dtype, cudaStream_t stream);
}  // namespace cuda

}  // namespace vllmctl::kernels
