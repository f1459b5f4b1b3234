// Sampler: logits processing and the draw.
#include "engine/core/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace vllmctl {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// log_softmax of the raw row, then the top `k` (best first).
void fill_logprobs(std::span<const float> raw, int k, TokenId chosen, SampleResult& out) {
  const float max = *std::max_element(raw.begin(), raw.end());
  double sum = 0.0;
  for (float x : raw) sum += std::exp(static_cast<double>(x - max));
  const float log_z = max + static_cast<float>(std::log(sum));
  out.logprob = raw[static_cast<size_t>(chosen)] - log_z;
  if (k <= 0) return;
  std::vector<TokenId> ids(raw.size());
  std::iota(ids.begin(), ids.end(), 0);
  const auto kk = std::min<size_t>(static_cast<size_t>(k), ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(kk), ids.end(),
                    [&](TokenId a, TokenId b) { return raw[a] > raw[b] || (raw[a] == raw[b] && a < b); });
  for (size_t i = 0; i < kk; ++i) out.top_logprobs.push_back({ids[i], raw[ids[i]] - log_z});
}

}  // namespace

void apply_logit_bias_and_min_tokens(std::span<float> logits, const SamplingParams& params,
                                     const SequenceTokens& seq,
                                     std::span<const TokenId> eos_token_ids) {
  const auto vocab = static_cast<TokenId>(logits.size());
  for (const auto& [token, bias] : params.logit_bias) {
    if (token >= 0 && token < vocab) logits[static_cast<size_t>(token)] += bias;
  }
  if (static_cast<int>(seq.output.size()) < params.min_tokens) {
    auto mask = [&](TokenId t) {
      if (t >= 0 && t < vocab) logits[static_cast<size_t>(t)] = kNegInf;
    };
    for (TokenId t : eos_token_ids) mask(t);
    for (TokenId t : params.stop_token_ids) mask(t);
  }
}

void apply_penalties(std::span<float> logits, const SamplingParams& params,
                     const SequenceTokens& seq) {
  const auto vocab = static_cast<TokenId>(logits.size());
  auto in_vocab = [&](TokenId t) { return t >= 0 && t < vocab; };
  if (params.repetition_penalty != 1.0f) {
    // Each distinct token seen in the prompt or output, once.
    std::unordered_map<TokenId, bool> seen;
    for (auto part : {seq.prompt, seq.output}) {
      for (TokenId t : part) {
        if (!in_vocab(t) || !seen.emplace(t, true).second) continue;
        float& x = logits[static_cast<size_t>(t)];
        x = x > 0 ? x / params.repetition_penalty : x * params.repetition_penalty;
      }
    }
  }
  if (params.frequency_penalty != 0.0f || params.presence_penalty != 0.0f) {
    std::unordered_map<TokenId, int> counts;
    for (TokenId t : seq.output) {
      if (in_vocab(t)) ++counts[t];
    }
    for (const auto& [t, c] : counts) {
      logits[static_cast<size_t>(t)] -=
          params.frequency_penalty * static_cast<float>(c) + params.presence_penalty;
    }
  }
}

std::vector<TokenLogprob> filtered_distribution(std::span<const float> scaled,
                                                const SamplingParams& params) {
  const size_t vocab = scaled.size();
  const float max = *std::max_element(scaled.begin(), scaled.end());
  std::vector<float> probs(vocab);
  double sum = 0.0;
  for (size_t i = 0; i < vocab; ++i) {
    probs[i] = std::exp(scaled[i] - max);
    sum += probs[i];
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (float& p : probs) p *= inv;

  // min-p keeps tokens at least min_p times as likely as the most likely one (whose
  // probability is exp(0) * inv). Masked tokens (probability 0) never take part.
  const float threshold = params.min_p > 0.0f ? params.min_p * inv : 0.0f;
  std::vector<TokenId> ids;
  ids.reserve(vocab);
  for (size_t i = 0; i < vocab; ++i) {
    if (probs[i] > 0.0f && probs[i] >= threshold) ids.push_back(static_cast<TokenId>(i));
  }
  auto better = [&](TokenId a, TokenId b) {
    return probs[a] > probs[b] || (probs[a] == probs[b] && a < b);
  };
  auto sort_prefix = [&](size_t n) {
    std::partial_sort(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(n), ids.end(), better);
  };

  size_t keep = ids.size();
  if (params.top_k > 0 && static_cast<size_t>(params.top_k) < keep) {
    keep = static_cast<size_t>(params.top_k);
    std::nth_element(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(keep), ids.end(), better);
    ids.resize(keep);
    std::sort(ids.begin(), ids.end(), better);
  }
  if (params.top_p < 1.0f) {
    // top-p on the distribution that min-p and top-k left, renormalised (as vLLM does):
    // the most likely tokens until their mass reaches top_p. Sort only as much as needed.
    double mass = 0.0;
    for (TokenId t : ids) mass += probs[t];
    const double target = params.top_p * mass;
    for (size_t sorted = std::min(keep, size_t{256});; sorted = std::min(keep, sorted * 8)) {
      sort_prefix(sorted);
      double cum = 0.0;
      size_t n = 0;
      while (n < sorted && cum < target) cum += probs[ids[n++]];
      if (cum >= target || sorted == keep) {
        keep = std::max<size_t>(n, 1);
        break;
      }
    }
  }
  // Without top-k or top-p nothing needs the order: the kept tokens stay in token order.
  // (Sorting a 150k vocabulary per token per step cost a third of a batched decode.)

  std::vector<TokenLogprob> out;
  out.reserve(keep);
  double kept_mass = 0.0;
  for (size_t i = 0; i < keep; ++i) kept_mass += probs[ids[i]];
  for (size_t i = 0; i < keep; ++i) {
    out.push_back({ids[i], static_cast<float>(probs[ids[i]] / kept_mass)});
  }
  return out;
}

namespace {

// Greedy argmax, or a draw from the filtered distribution of temperature-scaled logits.
// -1 when every logit is -infinity.
TokenId pick(std::span<const float> logits, const SamplingParams& params, std::mt19937_64& rng) {
  const auto best = std::max_element(logits.begin(), logits.end());
  if (*best == kNegInf) return -1;
  if (params.greedy()) return static_cast<TokenId>(best - logits.begin());
  auto dist = filtered_distribution(logits, params);
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  double cum = 0.0;
  for (const auto& [token, p] : dist) {
    cum += p;
    if (u < cum) return token;
  }
  return dist.back().token;
}

}  // namespace

SampleResult sample_token(std::span<float> logits, const SamplingParams& params,
                          const SequenceTokens& seq, std::span<const TokenId> eos_token_ids,
                          std::mt19937_64& rng, const TokenFilter* filter) {
  std::vector<float> raw;
  if (params.logprobs) raw.assign(logits.begin(), logits.end());

  apply_logit_bias_and_min_tokens(logits, params, seq, eos_token_ids);
  apply_penalties(logits, params, seq);
  if (!params.greedy()) {
    const float inv_t = 1.0f / params.temperature;
    for (float& x : logits) x *= inv_t;
  }

  SampleResult result;
  result.token = -1;
  // Try the unmasked pick first only when masking afterwards is exact: greedy, or a plain
  // softmax draw (top-k, top-p and min-p would have to see the masked logits).
  const bool try_unmasked = params.greedy() || (params.top_k <= 0 && params.top_p >= 1.0f &&
                                                params.min_p <= 0.0f);
  if (!filter || try_unmasked) result.token = pick(logits, params, rng);
  if (filter && (result.token < 0 || !filter->allows(result.token))) {
    filter->mask(logits);
    result.token = pick(logits, params, rng);
  }
  if (params.logprobs && result.token >= 0) fill_logprobs(raw, *params.logprobs, result.token, result);
  return result;
}

}  // namespace vllmctl
