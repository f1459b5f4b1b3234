// OpenAI request JSON -> SamplingParams, with vLLM's defaults (generation_config.json
// for unset fields), ranges and error messages. Unknown fields are ignored.
#pragma once

#include "engine/core/sampling_params.h"
#include "engine/model/generation_config.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace vllmctl {

enum class ApiRoute { kCompletions, kChat };

// What the served model allows, for validating requests.
struct RequestLimits {
  int max_model_len = 0;
  int vocab_size = 0;
  int max_logprobs = 20;
  std::optional<GenerationConfig> generation;  // the model's sampling defaults, if any
};

// Throws ApiError (400) naming the field for a bad value. `num_prompt_tokens` sets the
// chat default for max_tokens (the rest of the context).
SamplingParams parse_sampling_params(const nlohmann::json& body, ApiRoute route, const RequestLimits& limits,
                                     int num_prompt_tokens);

// The parameters as one log line (--enable-log-requests), vLLM's SamplingParams(...) style.
std::string describe_sampling_params(const SamplingParams& p);

}  // namespace vllmctl
