// SamplingParams: how one request picks its tokens and when it stops, with vLLM's
// defaults and meanings (see ../shared/reference/openai-api.md section 3).
#pragma once

#include "engine/core/block_manager.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vllmctl {

struct SamplingParams {
  int n = 1;                         // independent samples of the same prompt
  float temperature = 1.0f;          // < 1e-5 means greedy (argmax)
  float top_p = 1.0f;                // (0, 1]
  int top_k = 0;                     // 0 or -1: off
  float min_p = 0.0f;                // [0, 1]
  float presence_penalty = 0.0f;     // [-2, 2], on generated tokens
  float frequency_penalty = 0.0f;    // [-2, 2], on generated tokens
  float repetition_penalty = 1.0f;   // > 0, on prompt and generated tokens
  std::vector<std::pair<TokenId, float>> logit_bias;
  std::optional<uint64_t> seed;      // per-request generator: reproducible samples

  int max_tokens = 16;
  int min_tokens = 0;                // EOS and stop tokens are masked until this many
  bool ignore_eos = false;
  std::vector<TokenId> stop_token_ids;
  std::vector<std::string> stop;     // stop strings (matched on detokenized text)
  bool include_stop_str_in_output = false;

  std::optional<int> logprobs;       // number of top logprobs per token (0: only the sampled)
  bool skip_special_tokens = true;

  bool greedy() const { return temperature < 1e-5f; }
};

}  // namespace vllmctl
