// Deterministic random weights for demo models. Counter-based (element i of a tensor is
// a hash of the seed, the tensor's name and i), so any chunk can be produced on its own
// and the same seed always gives the same bytes. Values are triangular (two uniforms
// summed, 511 levels): norm weights 1 +- 0.05, everything else mean 0 and standard
// deviation 0.02, so activations stay sane.
#pragma once

#include "engine/model/dtype.h"
#include "engine/model/weight_layout.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace vllmctl {

// The random stream of the tensor called `name` under `seed`.
uint64_t demo_tensor_stream(uint64_t seed, std::string_view name);

// The value of element `index` of a tensor with `role` drawn from `stream` (in F32,
// before rounding to the file's dtype).
float demo_tensor_value(TensorRole role, uint64_t stream, uint64_t index);

// Writes the bytes [offset_bytes, offset_bytes + chunk.size()) of such a tensor stored
// as `dtype`. REQUIRES: dtype_is_engine_float(dtype); offset and size are multiples of
// the element size.
void fill_demo_tensor(TensorRole role, uint64_t stream, DType dtype, uint64_t offset_bytes,
                      std::span<std::byte> chunk);

}  // namespace vllmctl
