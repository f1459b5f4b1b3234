// pack_sampling_rows: one pass over the rows, appending to each array.
#include "engine/backend/sampling_pack.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace vllmctl {

kernels::SamplingRows PackedSamplingRows::host_view() const {
  kernels::SamplingRows v;
  v.temperature = temperature.data();
  v.top_k = top_k.data();
  v.top_p = top_p.data();
  v.min_p = min_p.data();
  v.repetition_penalty = repetition_penalty.data();
  v.frequency_penalty = frequency_penalty.data();
  v.presence_penalty = presence_penalty.data();
  v.uniform = uniform.data();
  v.bias_offsets = bias_offsets.data();
  v.bias_tokens = bias_tokens.data();
  v.bias_values = bias_values.data();
  v.mask_offsets = mask_offsets.data();
  v.mask_tokens = mask_tokens.data();
  v.penalty_offsets = penalty_offsets.data();
  v.penalty_tokens = penalty_tokens.data();
  v.penalty_output_counts = penalty_output_counts.data();
  return v;
}

void check_sampling_rows(const DeviceSampling& sampling, int num_rows) {
  std::vector<bool> seen(static_cast<size_t>(std::max(num_rows, 0)), false);
  auto take = [&](int row, const char* kind) {
    if (row < 0 || row >= num_rows) {
      throw std::invalid_argument(fmt::format("{} row {} outside the step's {} sample rows", kind, row, num_rows));
    }
    if (seen[static_cast<size_t>(row)]) throw std::invalid_argument(fmt::format("row {} given twice", row));
    seen[static_cast<size_t>(row)] = true;
  };
  for (const BackendSampleRow& r : sampling.rows) take(r.row, "sampled");
  for (int32_t r : sampling.host_rows) take(r, "host");
}

std::vector<BackendSampleRow> all_step_rows(const DeviceSampling& sampling, int num_rows) {
  static const SamplingParams kNeutral = [] {
    SamplingParams p;
    p.temperature = 0.0f;
    return p;
  }();
  std::vector<BackendSampleRow> all(static_cast<size_t>(num_rows), BackendSampleRow{0, &kNeutral, {}, 0.0});
  for (size_t r = 0; r < all.size(); ++r) all[r].row = static_cast<int>(r);
  for (const BackendSampleRow& row : sampling.rows) all[static_cast<size_t>(row.row)] = row;
  return all;
}

PackedSamplingRows pack_sampling_rows(std::span<const BackendSampleRow> rows, std::span<const TokenId> eos_token_ids) {
  PackedSamplingRows p;
  p.bias_offsets.push_back(0);
  p.mask_offsets.push_back(0);
  p.penalty_offsets.push_back(0);
  for (const BackendSampleRow& r : rows) {
    const SamplingParams& sp = *r.params;
    p.temperature.push_back(sp.temperature);
    p.top_k.push_back(sp.top_k);
    p.top_p.push_back(sp.top_p);
    p.min_p.push_back(sp.min_p);
    p.repetition_penalty.push_back(sp.repetition_penalty);
    p.frequency_penalty.push_back(sp.frequency_penalty);
    p.presence_penalty.push_back(sp.presence_penalty);
    p.uniform.push_back(r.uniform);

    for (const auto& [token, bias] : sp.logit_bias) {
      p.bias_tokens.push_back(token);
      p.bias_values.push_back(bias);
    }
    p.bias_offsets.push_back(static_cast<int32_t>(p.bias_tokens.size()));

    if (static_cast<int>(r.tokens.output.size()) < sp.min_tokens) {
      p.mask_tokens.insert(p.mask_tokens.end(), eos_token_ids.begin(), eos_token_ids.end());
      p.mask_tokens.insert(p.mask_tokens.end(), sp.stop_token_ids.begin(), sp.stop_token_ids.end());
    }
    p.mask_offsets.push_back(static_cast<int32_t>(p.mask_tokens.size()));

    if (sp.repetition_penalty != 1.0f || sp.frequency_penalty != 0.0f || sp.presence_penalty != 0.0f) {
      kernels::append_penalty_entries(r.tokens.prompt.data(), static_cast<int64_t>(r.tokens.prompt.size()),
                                      r.tokens.output.data(), static_cast<int64_t>(r.tokens.output.size()),
                                      p.penalty_tokens, p.penalty_output_counts);
    }
    p.penalty_offsets.push_back(static_cast<int32_t>(p.penalty_tokens.size()));
  }
  return p;
}

}  // namespace vllmctl
