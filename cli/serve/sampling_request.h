// OpenAI request JSON -> SamplingParams, with vLLM's defaults (generation_config.json
// for unset fields), ranges and error messages. Unknown fields are ignored.
#pragma once

#include "cli/serve/server_state.h"
#include "engine/core/sampling_params.h"

#include <nlohmann/json.hpp>

#include <string>

namespace vllmctl {

enum class ApiRoute { kCompletions, kChat };

// Throws ApiError (400) naming the field for a bad value. `num_prompt_tokens` sets the
// chat default for max_tokens (the rest of the context).
SamplingParams parse_sampling_params(const nlohmann::json& body, ApiRoute route, const ServerState& state,
                                     int num_prompt_tokens);

// The parameters as one log line (--enable-log-requests), vLLM's SamplingParams(...) style.
std::string describe_sampling_params(const SamplingParams& p);

}  // namespace vllmctl
