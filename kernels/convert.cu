// Dtype conversion on the GPU: a grid-stride loop over groups of 4 elements (one 8- or
// 16-byte access each when the pointers allow), the tail element by element.
#include "kernels/convert.h"
#include "kernels/device_common.cuh"

namespace vllmctl::kernels {
namespace {

using device::from_f32;
using device::to_f32;
using device::Vec;

template <class D, class S, int N>
__global__ void convert_kernel(D* __restrict__ dst, const S* __restrict__ src, int64_t n) {
  const int64_t groups = n / N;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t g = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; g < groups; g += stride) {
    const auto s = reinterpret_cast<const Vec<S, N>*>(src)[g];
    Vec<D, N> d;
#pragma unroll
    for (int j = 0; j < N; ++j) d.v[j] = from_f32<D>(to_f32(s.v[j]));
    reinterpret_cast<Vec<D, N>*>(dst)[g] = d;
  }
  // The n % N tail (only when N > 1): the first threads of the grid.
  const int64_t i = groups * N + static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (N > 1 && i < n) dst[i] = from_f32<D>(to_f32(src[i]));
}

}  // namespace

namespace cuda {

void convert(void* dst, DType dst_dtype, const void* src, DType src_dtype, int64_t n,
             cudaStream_t stream) {
  device::require(n >= 0, "convert", "n", n);
  if (n == 0) return;
  if (dst_dtype == src_dtype) {
    const cudaError_t err = cudaMemcpyAsync(dst, src, static_cast<size_t>(n) * dtype_size(src_dtype),
                                            cudaMemcpyDeviceToDevice, stream);
    if (err != cudaSuccess) {
      throw std::runtime_error(std::string("convert: copy failed: ") + cudaGetErrorString(err));
    }
    return;
  }
  constexpr int kThreads = 256;
  device::dispatch_dtype(dst_dtype, [&](auto dtag) {
    device::dispatch_dtype(src_dtype, [&](auto stag) {
      using D = decltype(dtag);
      using S = decltype(stag);
      constexpr int kN = 4;
      const bool vec = reinterpret_cast<uintptr_t>(dst) % (sizeof(D) * kN) == 0 &&
                       reinterpret_cast<uintptr_t>(src) % (sizeof(S) * kN) == 0;
      const int64_t work = vec ? (n + kN - 1) / kN : n;
      const auto blocks = static_cast<unsigned>(work / kThreads + 1 < 65536 ? work / kThreads + 1 : 65536);
      if (vec) {
        convert_kernel<D, S, kN><<<blocks, kThreads, 0, stream>>>(static_cast<D*>(dst), static_cast<const S*>(src), n);
      } else {
        convert_kernel<D, S, 1><<<blocks, kThreads, 0, stream>>>(static_cast<D*>(dst), static_cast<const S*>(src), n);
      }
    });
  });
  device::check_launch("convert");
}

}  // namespace cuda
}  // namespace vllmctl::kernels
