// CPU twin of SiLU-and-mul: ops.cpp's formula with the loads and stores of `dtype`.
#include "kernels/activation.h"

#include <cmath>

namespace vllmctl::kernels::cpu {

void silu_and_mul(void* out, const void* gate_up, int num_tokens, int inter, DType dtype) {
#pragma omp parallel for if (static_cast<long>(num_tokens) * inter >= (1L << 18))
  for (int t = 0; t < num_tokens; ++t) {
    const int64_t in_row = static_cast<int64_t>(t) * 2 * inter;
    const int64_t out_row = static_cast<int64_t>(t) * inter;
    for (int i = 0; i < inter; ++i) {
      const float g = load_f32(gate_up, dtype, in_row + i);
      const float u = load_f32(gate_up, dtype, in_row + inter + i);
      store_f32(out, dtype, out_row + i, g / (1.0f + std::exp(-g)) * u);
    }
  }
}

}  // namespace vllmctl::kernels::cpu
