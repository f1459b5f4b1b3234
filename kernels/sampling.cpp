// CPU twin of the sampling kernels: engine/core/sampler.cpp's steps (same order, same
// F32/double rounding points, same sorts and walk) driven by the per-row CSR lists.
#include "kernels/sampling.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace vllmctl::kernels {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Bias, mask and penalties on one row, in sample_token's order.
void process_row(float* x, const SamplingRows& p, int r, int vocab) {
  auto in_vocab = [&](int32_t t) { return t >= 0 && t < vocab; };
  if (p.bias_offsets) {
    for (int32_t e = p.bias_offsets[r]; e < p.bias_offsets[r + 1]; ++e) {
      if (in_vocab(p.bias_tokens[e])) x[p.bias_tokens[e]] += p.bias_values[e];
    }
  }
  if (p.mask_offsets) {
    for (int32_t e = p.mask_offsets[r]; e < p.mask_offsets[r + 1]; ++e) {
      if (in_vocab(p.mask_tokens[e])) x[p.mask_tokens[e]] = kNegInf;
    }
  }
  if (!p.penalty_offsets) return;
  const float rep = p.repetition_penalty[r];
  const float freq = p.frequency_penalty[r], pres = p.presence_penalty[r];
  for (int32_t e = p.penalty_offsets[r]; e < p.penalty_offsets[r + 1]; ++e) {
    const int32_t t = p.penalty_tokens[e];
    if (!in_vocab(t)) continue;
    float& v = x[t];
    if (rep != 1.0f) v = v > 0 ? v / rep : v * rep;
    const int32_t c = p.penalty_output_counts[e];
    if ((freq != 0.0f || pres != 0.0f) && c > 0) {
      const float penalty = freq * static_cast<float>(c) + pres;
      v -= penalty;
    }
  }
}

// filtered_distribution of sampler.cpp, then the walk with `u`.
int32_t draw(const float* scaled, size_t vocab, float min_p, int top_k, float top_p, double u) {
  const float max = *std::max_element(scaled, scaled + vocab);
  std::vector<float> probs(vocab);
  double sum = 0.0;
  for (size_t i = 0; i < vocab; ++i) {
    probs[i] = std::exp(scaled[i] - max);
    sum += probs[i];
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (float& q : probs) q *= inv;
  const float threshold = min_p > 0.0f ? min_p * inv : 0.0f;
  std::vector<int32_t> ids;
  for (size_t i = 0; i < vocab; ++i) {
    if (probs[i] > 0.0f && probs[i] >= threshold) ids.push_back(static_cast<int32_t>(i));
  }
  auto better = [&](int32_t a, int32_t b) {
    return probs[a] > probs[b] || (probs[a] == probs[b] && a < b);
  };
  size_t keep = ids.size();
  if (top_k > 0 && static_cast<size_t>(top_k) < keep) {
    keep = static_cast<size_t>(top_k);
    std::nth_element(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(keep), ids.end(), better);
    ids.resize(keep);
    std::sort(ids.begin(), ids.end(), better);
  }
  if (top_p < 1.0f) {
    double mass = 0.0;
    for (int32_t t : ids) mass += probs[t];
    const double target = top_p * mass;
    for (size_t sorted = std::min(keep, size_t{256});; sorted = std::min(keep, sorted * 8)) {
      std::partial_sort(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(sorted), ids.end(), better);
      double cum = 0.0;
      size_t n = 0;
      while (n < sorted && cum < target) cum += probs[ids[n++]];
      if (cum >= target || sorted == keep) {
        keep = std::max<size_t>(n, 1);
        break;
      }
    }
  }
  double kept_mass = 0.0;
  for (size_t i = 0; i < keep; ++i) kept_mass += probs[ids[i]];
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += static_cast<float>(probs[ids[i]] / kept_mass);
    if (u < cum) return ids[i];
  }
  return ids[keep - 1];
}

}  // namespace

namespace cpu {

void sample(int32_t* tokens, const float* logits, float* scratch, const SamplingRows& rows,
            int num_rows, int vocab) {
  for (int r = 0; r < num_rows; ++r) {
    const auto n = static_cast<size_t>(vocab);
    float* x = scratch + static_cast<size_t>(r) * n;
    if (scratch != logits) std::memcpy(x, logits + static_cast<size_t>(r) * n, n * sizeof(float));
    process_row(x, rows, r, vocab);
    const float temperature = rows.temperature[r];
    const bool greedy = temperature < 1e-5f;
    if (!greedy) {
      const float inv_t = 1.0f / temperature;
      for (size_t i = 0; i < n; ++i) x[i] *= inv_t;
    }
    const float* best = std::max_element(x, x + n);
    if (*best == kNegInf) {
      tokens[r] = -1;  // nothing left to pick
    } else if (greedy) {
      tokens[r] = static_cast<int32_t>(best - x);
    } else {
      tokens[r] = draw(x, n, rows.min_p[r], rows.top_k[r], rows.top_p[r], rows.uniform[r]);
    }
  }
}

void logprobs(float* token_logprobs, int32_t* top_tokens, float* top_logprobs,
              const float* logits, const int32_t* tokens, int num_rows, int vocab, int num_top) {
  std::vector<int32_t> ids(static_cast<size_t>(vocab));
  for (int r = 0; r < num_rows; ++r) {
    const float* raw = logits + static_cast<size_t>(r) * static_cast<size_t>(vocab);
    const float max = *std::max_element(raw, raw + vocab);
    double sum = 0.0;
    for (int i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(raw[i] - max));
    const float log_z = max + static_cast<float>(std::log(sum));
    token_logprobs[r] = tokens[r] >= 0 && tokens[r] < vocab ? raw[tokens[r]] - log_z : 0.0f;
    if (num_top <= 0) continue;
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + num_top, ids.end(), [&](int32_t a, int32_t b) {
      return raw[a] > raw[b] || (raw[a] == raw[b] && a < b);
    });
    for (int j = 0; j < num_top; ++j) {
      top_tokens[static_cast<size_t>(r) * num_top + j] = ids[static_cast<size_t>(j)];
      top_logprobs[static_cast<size_t>(r) * num_top + j] = raw[ids[static_cast<size_t>(j)]] - log_z;
    }
  }
}

}  // namespace cpu

void append_penalty_entries(const int32_t* prompt, int64_t num_prompt, const int32_t* output,
                            int64_t num_output, std::vector<int32_t>& tokens,
                            std::vector<int32_t>& output_counts) {
  std::unordered_map<int32_t, size_t> where;  // token -> its entry
  auto entry = [&](int32_t t) -> size_t {
    const auto [it, inserted] = where.emplace(t, tokens.size());
    if (inserted) {
      tokens.push_back(t);
      output_counts.push_back(0);
    }
    return it->second;
  };
  for (int64_t i = 0; i < num_prompt; ++i) entry(prompt[i]);
  for (int64_t i = 0; i < num_output; ++i) ++output_counts[entry(output[i])];
}

}  // namespace vllmctl::kernels
