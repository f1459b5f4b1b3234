// The request side of the OpenAI routes as pure functions: body text -> JSON object,
// prompts -> token ids, chat fields -> a ChatRequest, stream options. Every malformed
// input is an ApiError (400) naming the field, never another exception; the fuzz target
// tests/fuzz/request_fuzz.cpp holds them to that.
#pragma once

#include "engine/core/block_manager.h"
#include "engine/structured/json_grammar.h"
#include "engine/text/chat/chat_template.h"
#include "engine/text/tokenizer.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace vllmctl {

// The body as a JSON object; 400 when it is not valid JSON or not an object.
nlohmann::json parse_request_body(std::string_view text);

// completions' "prompt": a string, a list of token ids, or a list of either (several
// prompts). Token ids must be in [0, vocab_size); no prompt may be empty.
std::vector<std::vector<TokenId>> parse_completion_prompts(const nlohmann::json& body, const Tokenizer& tokenizer,
                                                           int vocab_size);

// chat's messages, tools, add_generation_prompt, continue_final_message and
// chat_template_kwargs.
chat::ChatRequest parse_chat_request(const nlohmann::json& body);

struct StreamOptions {
  bool stream = false;
  bool include_usage = false;
};
StreamOptions parse_stream_options(const nlohmann::json& body);

// vLLM's truncate_prompt_tokens: keep the last k prompt tokens; -1 means max_model_len.
// nullopt when absent; 400 for 0, below -1, or above max_model_len.
std::optional<int> truncate_prompt_tokens(const nlohmann::json& body, int max_model_len);

// The JSON the output must be, or null for free text: response_format json_object (any
// object; with llama.cpp's "schema", that schema) or json_schema, vLLM's
// structured_outputs {json | json_object}, or the older guided_json. A bad schema, or a
// kind vllmctl cannot enforce (regex, choice, grammar, structural_tag), is a 400.
std::shared_ptr<const structured::JsonGrammar> parse_response_format(const nlohmann::json& body);

// A boolean field with its default ("echo", "add_special_tokens", ...).
bool bool_field(const nlohmann::json& body, const char* name, bool fallback);

}  // namespace vllmctl
