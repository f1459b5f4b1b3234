// pack_sampling_rows: the per-row parameters of a step's device-sampled rows as the flat
// arrays kernels::SamplingRows points at (CSR lists for logit bias, the min_tokens mask
// and penalties). The CUDA backend uploads them; host_view() lets the CPU twin
// (kernels::cpu::sample) read them in place, which is how the packing is tested.
#pragma once

#include "engine/backend/backend.h"
#include "kernels/sampling.h"

#include <cstdint>
#include <span>
#include <vector>

namespace vllmctl {

struct PackedSamplingRows {
  std::vector<float> temperature, top_p, min_p, repetition_penalty, frequency_penalty, presence_penalty;
  std::vector<int32_t> top_k;
  std::vector<double> uniform;
  std::vector<int32_t> bias_offsets, bias_tokens;
  std::vector<float> bias_values;
  std::vector<int32_t> mask_offsets, mask_tokens;
  std::vector<int32_t> penalty_offsets, penalty_tokens, penalty_output_counts;

  int num_rows() const { return static_cast<int>(temperature.size()); }
  // Host pointers into the vectors above; valid while this object is unchanged.
  kernels::SamplingRows host_view() const;
};

// Throws std::invalid_argument unless every row of `sampling` (sampled or host) is in
// [0, num_rows) and appears once.
void check_sampling_rows(const DeviceSampling& sampling, int num_rows);

// Every row of a step in order, as a device sampler runs them: sampling.rows with their
// own parameters, the others (the host rows) greedy with no bias, mask or penalty, so
// their logits are read but never rewritten. REQUIRES: check_sampling_rows passed.
std::vector<BackendSampleRow> all_step_rows(const DeviceSampling& sampling, int num_rows);

// Row i of the result is rows[i]. Logit bias in the request's order; the mask holds EOS
// and stop token ids while the output is shorter than min_tokens; penalty entries only
// for rows with a penalty that is not neutral (each distinct prompt or output token once).
PackedSamplingRows pack_sampling_rows(std::span<const BackendSampleRow> rows, std::span<const TokenId> eos_token_ids);

}  // namespace vllmctl
