// parse_sampling_params.
#include "cli/serve/sampling_request.h"

#include "cli/serve/api_error.h"
#include "cli/serve/json_fields.h"
#include "cli/serve/prom_text.h"

#include <fmt/format.h>

#include <cmath>

namespace vllmctl {

SamplingParams parse_sampling_params(const nlohmann::json& body, ApiRoute route, const RequestLimits& limits,
                                     int num_prompt_tokens) {
  SamplingParams p;
  // Unset fields take the model's generation_config.json values, as vLLM does.
  if (const auto& g = limits.generation) {
    if (g->temperature) p.temperature = static_cast<float>(*g->temperature);
    if (g->top_p) p.top_p = static_cast<float>(*g->top_p);
    if (g->top_k) p.top_k = static_cast<int>(*g->top_k);
    if (g->min_p) p.min_p = static_cast<float>(*g->min_p);
    if (g->repetition_penalty) p.repetition_penalty = static_cast<float>(*g->repetition_penalty);
  }
  if (auto v = field<double>(body, "temperature")) {
    if (!std::isfinite(*v) || *v < 0) throw bad_request(fmt::format("temperature must be non-negative, got {}.", float_to_go_string(*v)), "temperature");
    p.temperature = static_cast<float>(*v);
  }
  if (auto v = field<double>(body, "top_p")) p.top_p = static_cast<float>(*v);
  if (auto v = field<int>(body, "top_k")) p.top_k = *v;
  if (auto v = field<double>(body, "min_p")) p.min_p = static_cast<float>(*v);
  if (auto v = field<double>(body, "presence_penalty")) p.presence_penalty = static_cast<float>(*v);
  if (auto v = field<double>(body, "frequency_penalty")) p.frequency_penalty = static_cast<float>(*v);
  if (auto v = field<double>(body, "repetition_penalty")) p.repetition_penalty = static_cast<float>(*v);
  if (auto v = field<int64_t>(body, "seed"); v && *v != -1) p.seed = static_cast<uint64_t>(*v);
  if (auto v = field<int>(body, "n")) p.n = *v;
  if (auto v = field<bool>(body, "ignore_eos")) p.ignore_eos = *v;
  if (auto v = field<int>(body, "min_tokens")) p.min_tokens = *v;
  if (auto v = field<bool>(body, "skip_special_tokens")) p.skip_special_tokens = *v;
  if (auto v = field<bool>(body, "include_stop_str_in_output")) p.include_stop_str_in_output = *v;
  if (p.greedy()) {  // vLLM resets the truncation knobs for greedy requests
    p.top_p = 1.0f;
    p.top_k = 0;
    p.min_p = 0.0f;
  }

  const int room = limits.max_model_len - num_prompt_tokens;
  std::optional<int> max_tokens = field<int>(body, "max_tokens");
  if (route == ApiRoute::kChat) {
    if (auto v = field<int>(body, "max_completion_tokens")) max_tokens = v;
  }
  if (max_tokens && *max_tokens < 1) {
    throw bad_request(fmt::format("max_tokens must be at least 1, got {}.", *max_tokens), "max_tokens");
  }
  // Unset: generation_config.json's max_new_tokens (capped to the context), else vLLM's
  // route default (the rest of the context for chat, 16 for completions).
  const auto& g = limits.generation;
  if (!max_tokens && g && g->max_new_tokens) max_tokens = static_cast<int>(std::min<int64_t>(*g->max_new_tokens, room));
  p.max_tokens = max_tokens.value_or(route == ApiRoute::kChat ? room : 16);
  if (p.max_tokens > room) {
    throw bad_request(fmt::format("'max_tokens' or 'max_completion_tokens' is too large: {}. This model's maximum "
                                  "context length is {} tokens and your request has {} input tokens ({} > {} - {}).",
                                  p.max_tokens, limits.max_model_len, num_prompt_tokens, p.max_tokens,
                                  limits.max_model_len, num_prompt_tokens),
                      "max_tokens");
  }

  if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    if (it->is_string()) {
      p.stop.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& s : *it) {
        if (!s.is_string()) throw bad_request("stop: expected a string or a list of strings", "stop");
        p.stop.push_back(s.get<std::string>());
      }
    } else {
      throw bad_request("stop: expected a string or a list of strings", "stop");
    }
    for (const auto& s : p.stop) {
      if (s.empty()) throw bad_request("stop cannot contain an empty string.", "stop");
    }
  }
  const int vocab = limits.vocab_size;
  if (auto v = field<std::vector<int>>(body, "stop_token_ids")) {
    for (int id : *v) {
      if (id < 0 || id >= vocab) throw bad_request(fmt::format("stop_token_ids contains out-of-vocab token id {}", id), "stop_token_ids");
      p.stop_token_ids.push_back(id);
    }
  }
  if (auto it = body.find("logit_bias"); it != body.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      int id = -1;
      try {
        id = std::stoi(key);
      } catch (...) {
      }
      if (id < 0 || id >= vocab || !value.is_number()) {
        throw bad_request(fmt::format("logit_bias: token id {} is out of vocabulary or its bias is not a number", key), "logit_bias");
      }
      p.logit_bias.push_back({id, std::clamp(value.get<float>(), -100.0f, 100.0f)});
    }
  }

  // logprobs: a count on completions; a boolean plus top_logprobs on chat.
  if (route == ApiRoute::kCompletions) {
    if (auto v = field<int>(body, "logprobs")) p.logprobs = *v;
  } else if (field<bool>(body, "logprobs").value_or(false)) {
    p.logprobs = field<int>(body, "top_logprobs").value_or(0);
  } else if (field<int>(body, "top_logprobs").value_or(0) > 0) {
    throw bad_request("top_logprobs requires logprobs to be set to true", "top_logprobs");
  }
  if (p.logprobs && (*p.logprobs < 0 || *p.logprobs > limits.max_logprobs)) {
    throw bad_request(fmt::format("Requested sample logprobs of {}, which is greater than max allowed: {}",
                                  *p.logprobs, limits.max_logprobs),
                      "logprobs");
  }
  return p;
}

std::string describe_sampling_params(const SamplingParams& p) {
  std::string stop = "[";
  for (const auto& s : p.stop) stop += (stop.size() > 1 ? ", " : "") + nlohmann::json(s).dump();
  stop += "]";
  return fmt::format(
      "SamplingParams(n={}, presence_penalty={}, frequency_penalty={}, repetition_penalty={}, temperature={}, "
      "top_p={}, top_k={}, min_p={}, seed={}, stop={}, stop_token_ids={}, ignore_eos={}, max_tokens={}, "
      "min_tokens={}, logprobs={}, skip_special_tokens={}, include_stop_str_in_output={}, logit_bias={} entries)",
      p.n, p.presence_penalty, p.frequency_penalty, p.repetition_penalty, p.temperature, p.top_p, p.top_k, p.min_p,
      p.seed ? std::to_string(*p.seed) : "None", stop, nlohmann::json(p.stop_token_ids).dump(),
      p.ignore_eos ? "True" : "False", p.max_tokens, p.min_tokens, p.logprobs ? std::to_string(*p.logprobs) : "None",
      p.skip_special_tokens ? "True" : "False", p.include_stop_str_in_output ? "True" : "False", p.logit_bias.size());
}

}  // namespace vllmctl
