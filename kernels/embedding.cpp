// CPU twin of the embedding gather: a row copy per token.
#include "kernels/embedding.h"

#include <cstring>

namespace vllmctl::kernels::cpu {

void embedding(void* out, const void* table, const int32_t* ids, int num_tokens, int hidden,
               DType dtype) {
  const auto row_bytes = static_cast<size_t>(hidden) * static_cast<size_t>(dtype_size(dtype));
  for (int t = 0; t < num_tokens; ++t) {
    std::memcpy(static_cast<char*>(out) + static_cast<size_t>(t) * row_bytes,
                static_cast<const char*>(table) + static_cast<size_t>(ids[t]) * row_bytes, row_bytes);
  }
}

}  // namespace vllmctl::kernels::cpu
