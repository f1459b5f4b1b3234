// DeviceSampler: one pinned staging buffer laid out as the device buffer (each array
// 16-byte aligned), one upload, the kernel, one download of the tokens.
#include "engine/backend/cuda/device_sampler.h"

#include "engine/backend/sampling_pack.h"
#include "kernels/sampling.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace vllmctl::cuda {

namespace {

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(fmt::format("cuda sampler: {}: {} ({})", what, cudaGetErrorString(err), cudaGetErrorName(err)));
  }
}

constexpr size_t align16(size_t n) { return (n + 15) & ~size_t{15}; }

}  // namespace

DeviceSampler::~DeviceSampler() {
  if (device_ != nullptr) cudaFree(device_);
  if (host_ != nullptr) cudaFreeHost(host_);
}

void DeviceSampler::reserve(size_t bytes) {
  if (bytes <= capacity_) return;
  const size_t grown = std::max(bytes, capacity_ * 2);
  if (device_ != nullptr) cudaFree(device_);
  if (host_ != nullptr) cudaFreeHost(host_);
  device_ = nullptr;
  host_ = nullptr;
  capacity_ = 0;
  check(cudaMalloc(reinterpret_cast<void**>(&device_), grown), "cudaMalloc");
  check(cudaMallocHost(reinterpret_cast<void**>(&host_), grown), "cudaMallocHost");
  capacity_ = grown;
}

std::vector<TokenId> DeviceSampler::sample(float* logits, int num_rows, int vocab, const DeviceSampling& sampling,
                                           cudaStream_t stream) {
  if (sampling.rows.empty()) {  // every row goes to the host sampler
    check(cudaStreamSynchronize(stream), "sampling");
    return {};
  }
  // Every row of the logits gets parameters: the device rows theirs, the host rows greedy.
  check_sampling_rows(sampling, num_rows);
  const PackedSamplingRows packed = pack_sampling_rows(all_step_rows(sampling, num_rows), sampling.eos_token_ids);

  // Layout: each array at a 16-byte aligned offset, then the tokens.
  struct Piece {
    const void* src;
    size_t bytes;
    size_t offset;
  };
  std::vector<Piece> pieces;
  size_t total = 0;
  auto add = [&](const auto& v) {
    pieces.push_back({v.data(), v.size() * sizeof(v[0]), total});
    total = align16(total + pieces.back().bytes);
    return pieces.size() - 1;
  };
  const size_t temperature = add(packed.temperature), top_k = add(packed.top_k), top_p = add(packed.top_p),
               min_p = add(packed.min_p), repetition = add(packed.repetition_penalty),
               frequency = add(packed.frequency_penalty), presence = add(packed.presence_penalty),
               uniform = add(packed.uniform), bias_offsets = add(packed.bias_offsets),
               bias_tokens = add(packed.bias_tokens), bias_values = add(packed.bias_values),
               mask_offsets = add(packed.mask_offsets), mask_tokens = add(packed.mask_tokens),
               penalty_offsets = add(packed.penalty_offsets), penalty_tokens = add(packed.penalty_tokens),
               penalty_counts = add(packed.penalty_output_counts);
  const size_t tokens_offset = total;
  total = align16(total + static_cast<size_t>(num_rows) * sizeof(int32_t));
  // The previous call ended with a stream sync, so the staging buffer is free (and so is
  // the device buffer, which reserve() may replace).
  reserve(total);
  for (const Piece& p : pieces) {
    if (p.bytes > 0) std::memcpy(host_ + p.offset, p.src, p.bytes);
  }
  check(cudaMemcpyAsync(device_, host_, tokens_offset, cudaMemcpyHostToDevice, stream), "upload");

  auto dev = [&](size_t piece) { return static_cast<const void*>(device_ + pieces[piece].offset); };
  kernels::SamplingRows rows;
  rows.temperature = static_cast<const float*>(dev(temperature));
  rows.top_k = static_cast<const int32_t*>(dev(top_k));
  rows.top_p = static_cast<const float*>(dev(top_p));
  rows.min_p = static_cast<const float*>(dev(min_p));
  rows.repetition_penalty = static_cast<const float*>(dev(repetition));
  rows.frequency_penalty = static_cast<const float*>(dev(frequency));
  rows.presence_penalty = static_cast<const float*>(dev(presence));
  rows.uniform = static_cast<const double*>(dev(uniform));
  rows.bias_offsets = static_cast<const int32_t*>(dev(bias_offsets));
  rows.bias_tokens = static_cast<const int32_t*>(dev(bias_tokens));
  rows.bias_values = static_cast<const float*>(dev(bias_values));
  rows.mask_offsets = static_cast<const int32_t*>(dev(mask_offsets));
  rows.mask_tokens = static_cast<const int32_t*>(dev(mask_tokens));
  rows.penalty_offsets = static_cast<const int32_t*>(dev(penalty_offsets));
  rows.penalty_tokens = static_cast<const int32_t*>(dev(penalty_tokens));
  rows.penalty_output_counts = static_cast<const int32_t*>(dev(penalty_counts));
  auto* tokens = reinterpret_cast<int32_t*>(device_ + tokens_offset);
  kernels::cuda::sample(tokens, logits, logits, rows, num_rows, vocab, stream);
  check(cudaGetLastError(), "sampling kernel launch");
  check(cudaMemcpyAsync(host_ + tokens_offset, tokens, static_cast<size_t>(num_rows) * sizeof(int32_t),
                        cudaMemcpyDeviceToHost, stream),
        "token download");
  check(cudaStreamSynchronize(stream), "sampling");

  const auto* all_tokens = reinterpret_cast<const int32_t*>(host_ + tokens_offset);
  std::vector<TokenId> out;
  out.reserve(sampling.rows.size());
  for (const BackendSampleRow& row : sampling.rows) out.push_back(all_tokens[row.row]);
  return out;
}

}  // namespace vllmctl::cuda
