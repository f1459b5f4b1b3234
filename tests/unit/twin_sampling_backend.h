// ForwardingBackend, and TwinSamplingBackend: another backend (the CPU backend) plus device-style sampling
// through the sampling kernel's CPU twin, i.e. the CUDA backend's forward_sampled contract
// run on the host. For tests of the engine and of compare_backends.
#pragma once

#include "engine/backend/backend.h"
#include "engine/backend/sampling_pack.h"
#include "kernels/sampling.h"

#include <memory>
#include <string>
#include <vector>

namespace vllmctl::test {

// A backend that passes every call to another one: tests derive from it and override only
// the call they change (a fault, a sampler).
class ForwardingBackend : public Backend {
 public:
  explicit ForwardingBackend(Backend& inner) : inner_(inner) {}
  std::span<float> forward(const ForwardBatch& batch) override { return inner_.forward(batch); }
  int vocab_size() const override { return inner_.vocab_size(); }
  int num_kv_blocks() const override { return inner_.num_kv_blocks(); }
  int block_size() const override { return inner_.block_size(); }
  std::string describe() const override { return inner_.describe(); }
  bool samples_on_device() const override { return inner_.samples_on_device(); }
  SampledStep forward_sampled(const ForwardBatch& batch, const DeviceSampling& sampling) override {
    return inner_.forward_sampled(batch, sampling);
  }

 protected:
  Backend& inner_;
};

// The CPU backend, sampling its rows with kernels::cpu::sample over pack_sampling_rows:
// what the CUDA backend does with kernels::cuda::sample, on the host.
class TwinSamplingBackend final : public ForwardingBackend {
 public:
  explicit TwinSamplingBackend(std::unique_ptr<Backend> inner) : ForwardingBackend(*inner), owned_(std::move(inner)) {}
  std::string describe() const override { return "twin-sampling " + inner_.describe(); }
  bool samples_on_device() const override { return true; }

  SampledStep forward_sampled(const ForwardBatch& batch, const DeviceSampling& sampling) override {
    // As DeviceSampler: every row of the step sampled in place, host rows greedy and
    // copied out first, then the sampled rows' tokens picked by row.
    const auto num_rows = static_cast<int>(batch.sample_rows.size());
    check_sampling_rows(sampling, num_rows);
    const std::span<float> all = inner_.forward(batch);
    const auto vocab = static_cast<size_t>(vocab_size());
    host_logits_.clear();
    for (int32_t r : sampling.host_rows) {
      host_logits_.insert(host_logits_.end(), all.begin() + r * vocab, all.begin() + (r + 1) * vocab);
    }
    const PackedSamplingRows packed = pack_sampling_rows(all_step_rows(sampling, num_rows), sampling.eos_token_ids);
    std::vector<TokenId> tokens(static_cast<size_t>(num_rows));
    kernels::cpu::sample(tokens.data(), all.data(), all.data(), packed.host_view(), num_rows, static_cast<int>(vocab));
    SampledStep step;
    for (const BackendSampleRow& r : sampling.rows) step.tokens.push_back(tokens[static_cast<size_t>(r.row)]);
    step.host_logits = host_logits_;
    device_sampled += sampling.rows.size();
    host_sampled += sampling.host_rows.size();
    return step;
  }

  size_t device_sampled = 0, host_sampled = 0;

 private:
  std::unique_ptr<Backend> owned_;
  std::vector<float> host_logits_;
};

}  // namespace vllmctl::test
