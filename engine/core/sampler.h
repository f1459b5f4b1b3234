// Sampler: turns one row of logits into a token, as vLLM's V1 sampler does:
// logit bias and min_tokens masking, then penalties (repetition on prompt and output,
// frequency and presence on output), then greedy argmax, or temperature, min-p, top-k,
// top-p and a draw from the request's generator. Logprobs are of the raw logits
// (vLLM's default `raw_logprobs`). REQUIRES: engine thread (or one thread per row).
#pragma once

#include "engine/core/sampling_params.h"

#include <random>
#include <span>
#include <vector>

namespace vllmctl {

struct TokenLogprob {
  TokenId token;
  float logprob;
};

struct SampleResult {
  TokenId token = 0;
  float logprob = 0.0f;                   // of `token`, when logprobs were asked for
  std::vector<TokenLogprob> top_logprobs; // the params.logprobs most likely, best first
};

// Restricts which tokens may be drawn (structured output). The sampler first tries the
// token it would draw anyway and calls mask() only when filter rejects it, which gives
// exactly the distribution of drawing from the masked logits.
class TokenFilter {
 public:
  virtual ~TokenFilter() = default;
  virtual bool allows(TokenId token) const = 0;
  // Sets the logit of every token that allows() would reject to -infinity.
  virtual void mask(std::span<float> logits) const = 0;
};

struct SequenceTokens {
  std::span<const TokenId> prompt;
  std::span<const TokenId> output;
};

// `logits` (one row of the vocabulary) is used as scratch and modified.
// `eos_token_ids` are masked while fewer than min_tokens are generated. With a `filter`,
// only tokens it allows are drawn; when it allows none, the result's token is -1.
SampleResult sample_token(std::span<float> logits, const SamplingParams& params,
                          const SequenceTokens& seq, std::span<const TokenId> eos_token_ids,
                          std::mt19937_64& rng, const TokenFilter* filter = nullptr);

// The steps of sample_token, exposed for tests.
void apply_logit_bias_and_min_tokens(std::span<float> logits, const SamplingParams& params,
                                     const SequenceTokens& seq,
                                     std::span<const TokenId> eos_token_ids);
void apply_penalties(std::span<float> logits, const SamplingParams& params,
                     const SequenceTokens& seq);
// After temperature: the probabilities of the tokens that top-k, top-p and min-p keep,
// renormalised, as (token, probability): sorted by probability, highest first, when
// top-k or top-p applied; in token order otherwise.
std::vector<TokenLogprob> filtered_distribution(std::span<const float> scaled_logits,
                                                const SamplingParams& params);

}  // namespace vllmctl
