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

struct SequenceTokens {
  std::span<const TokenId> prompt;
  std::span<const TokenId> output;
};

// `logits` (one row of the vocabulary) is used as scratch and modified.
// `eos_token_ids` are masked while fewer than min_tokens are generated.
SampleResult sample_token(std::span<float> logits, const SamplingParams& params,
                          const SequenceTokens& seq, std::span<const TokenId> eos_token_ids,
                          std::mt19937_64& rng);

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
