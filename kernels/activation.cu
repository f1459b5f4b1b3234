// SiLU-and-mul on the GPU: grid (token, chunk of the row); each thread handles N
// consecutive outputs (16-byte accesses when inter and the pointers allow, else N = 1).
// expf is CUDA's (within 2 ulp of glibc's), so F32 results may differ from the twin there.
#include "kernels/activation.h"
#include "kernels/device_common.cuh"

namespace vllmctl::kernels {
namespace {

using device::from_f32;
using device::to_f32;
using device::Vec;

constexpr int kThreads = 256;

template <class T, int N>
__global__ void silu_and_mul_kernel(T* __restrict__ out, const T* __restrict__ gate_up,
                                    int inter) {
  const int64_t t = blockIdx.x;
  const int units = inter / N;
  const int u = blockIdx.y * blockDim.x + threadIdx.x;
  if (u >= units) return;
  const auto gv = reinterpret_cast<const Vec<T, N>*>(gate_up + t * 2 * inter)[u];
  const auto uv = reinterpret_cast<const Vec<T, N>*>(gate_up + t * 2 * inter + inter)[u];
  Vec<T, N> o;
#pragma unroll
  for (int j = 0; j < N; ++j) {
    const float g = to_f32(gv.v[j]);
    const float silu = __fdiv_rn(g, __fadd_rn(1.0f, expf(-g)));
    o.v[j] = from_f32<T>(__fmul_rn(silu, to_f32(uv.v[j])));
  }
  reinterpret_cast<Vec<T, N>*>(out + t * inter)[u] = o;
}

}  // namespace

namespace cuda {

void silu_and_mul(void* out, const void* gate_up, int num_tokens, int inter, DType dtype,
                  cudaStream_t stream) {
  device::require(num_tokens >= 0, "silu_and_mul", "num_tokens", num_tokens);
  device::require(inter > 0, "silu_and_mul", "inter", inter);
  if (num_tokens == 0) return;
  device::dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr int kN = device::kVec16<T>;
    const bool vec = inter % kN == 0 && device::aligned16(out) && device::aligned16(gate_up);
    const int units = vec ? inter / kN : inter;
    const dim3 grid(static_cast<unsigned>(num_tokens), static_cast<unsigned>((units + kThreads - 1) / kThreads));
    if (vec) {
      silu_and_mul_kernel<T, kN><<<grid, kThreads, 0, stream>>>(
          static_cast<T*>(out), static_cast<const T*>(gate_up), inter);
    } else {
      silu_and_mul_kernel<T, 1><<<grid, kThreads, 0, stream>>>(
          static_cast<T*>(out), static_cast<const T*>(gate_up), inter);
    }
  });
  device::check_launch("silu_and_mul");
}

}  // namespace cuda
}  // namespace vllmctl::kernels
