// CPU twin of the dtype conversion: through F32, element by element.
#include "kernels/convert.h"

#include <cstring>

namespace vllmctl::kernels::cpu {

void convert(void* dst, DType dst_dtype, const void* src, DType src_dtype, int64_t n) {
  if (dst_dtype == src_dtype) {
    std::memcpy(dst, src, static_cast<size_t>(n) * static_cast<size_t>(dtype_size(src_dtype)));
    return;
  }
#pragma omp parallel for if (n >= (1L << 20))
  for (int64_t i = 0; i < n; ++i) store_f32(dst, dst_dtype, i, load_f32(src, src_dtype, i));
}

}  // namespace vllmctl::kernels::cpu
