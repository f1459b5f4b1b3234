// SiLU-and-mul, the gated activation of the MLP (the same function as
// vllmctl::cpu::silu_and_mul in engine/backend/cpu/ops.h, for any dtype).
#pragma once

#include "kernels/kernel_types.h"

namespace vllmctl::kernels {

// out: [num_tokens, inter] = silu(gate) * up, with gate_up: [num_tokens, 2 * inter] holding
// [gate | up] per row; both in `dtype`. In F32: g / (1 + exp(-g)) * u, rounded once.
// out must not overlap gate_up.
namespace cpu {
void silu_and_mul(void* out, const void* gate_up, int num_tokens, int inter, DType dtype);
}  // namespace cpu

namespace cuda {
void silu_and_mul(void* out, const void* gate_up, int num_tokens, int inter, DType dtype,
                  cudaStream_t stream);
}  // namespace cuda

}  // namespace vllmctl::kernels
