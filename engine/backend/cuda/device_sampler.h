// DeviceSampler: the CUDA backend's forward_sampled half after the logits GEMM. Packs the
// step's rows (pack_sampling_rows), uploads them in one copy, runs kernels::cuda::sample in
// place over the [num_rows, vocab] F32 logits and brings back one int per row instead of
// vocab floats. Rows the host samples get neutral greedy parameters and their tokens are
// dropped; the caller downloads their logits BEFORE calling sample() (same stream, so the
// copy is done before the kernel overwrites them).
// REQUIRES: engine thread; not inside a CUDA graph capture (it may grow its buffers).
#pragma once

#include "engine/backend/backend.h"

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vllmctl::cuda {

class DeviceSampler {
 public:
  DeviceSampler() = default;
  ~DeviceSampler();
  DeviceSampler(const DeviceSampler&) = delete;
  DeviceSampler& operator=(const DeviceSampler&) = delete;

  // logits: device [num_rows, vocab] F32, overwritten. Returns sampling.rows' tokens, in
  // order, after synchronising `stream`.
  std::vector<TokenId> sample(float* logits, int num_rows, int vocab, const DeviceSampling& sampling,
                              cudaStream_t stream);

 private:
  void reserve(size_t bytes);

  char* device_ = nullptr;   // the packed arrays, then the tokens
  char* host_ = nullptr;     // pinned staging of the same layout
  size_t capacity_ = 0;
};

}  // namespace vllmctl::cuda
