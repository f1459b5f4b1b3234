// What goes into the engine (EngineRequest) and what comes out, step by step
// (RequestOutput). Plain values: no JSON, no HTTP.
#pragma once

#include "engine/core/request.h"
#include "engine/core/sampler.h"
#include "engine/core/sampling_params.h"
#include "engine/structured/json_grammar.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vllmctl {

struct EngineRequest {
  std::vector<TokenId> prompt_token_ids;
  SamplingParams params;             // params.n samples share the prompt (and its blocks)
  Clock::time_point arrival_time = Clock::now();  // when the server received it (TTFT, e2e)
  // Structured output: every sample's text must be a text of this grammar (null: free).
  std::shared_ptr<const structured::JsonGrammar> json_grammar;
};

// One update for one of a request's n samples.
struct RequestOutput {
  int index = 0;                          // which of the n samples
  std::vector<TokenId> token_ids;         // tokens generated since the last update
  std::vector<SampleResult> logprobs;     // one per token, when params.logprobs is set
  std::string text;                       // text that is complete and safe to send
  bool finished = false;
  FinishReason finish_reason = FinishReason::kNone;
  std::optional<std::string> stop_string;  // the stop string that ended it
  std::optional<TokenId> stop_token;       // the stop_token_ids entry that ended it
  std::string error;                       // set when the engine failed this request
  // Set on the first update of each sample.
  int num_prompt_tokens = 0;
  int num_cached_tokens = 0;
};

}  // namespace vllmctl
