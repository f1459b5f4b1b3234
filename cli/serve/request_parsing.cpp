// Request parsing for the OpenAI routes.
#include "cli/serve/request_parsing.h"

#include "cli/serve/api_error.h"
#include "cli/serve/json_fields.h"
#include "cli/serve/json_schema_compiler.h"

#include <fmt/format.h>

#include <algorithm>

namespace vllmctl {

using json = nlohmann::json;

json parse_request_body(std::string_view text) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw bad_request("The request body is not a valid JSON object.");
  return body;
}

bool bool_field(const json& body, const char* name, bool fallback) { return field<bool>(body, name).value_or(fallback); }

std::vector<std::vector<TokenId>> parse_completion_prompts(const json& body, const Tokenizer& tokenizer,
                                                           int vocab_size) {
  const auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) {
    throw bad_request("Either prompt or prompt_embeds must be provided and non-empty.", "prompt");
  }
  const bool add_special = bool_field(body, "add_special_tokens", true);
  auto one_prompt = [&](const json& v) {
    std::vector<TokenId> ids;
    if (v.is_string()) {
      try {
        ids = tokenizer.encode(v.get<std::string>(), add_special);
      } catch (const std::invalid_argument& e) {
        throw bad_request(fmt::format("prompt: {}", e.what()), "prompt");
      }
    } else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& t) { return t.is_number_integer(); })) {
      for (const auto& t : v) {
        const bool in_vocab = t.is_number_unsigned() ? t.get<uint64_t>() < static_cast<uint64_t>(vocab_size)
                                                     : t.get<int64_t>() >= 0 && t.get<int64_t>() < vocab_size;
        if (!in_vocab) throw bad_request(fmt::format("Token id {} is out of vocabulary", t.dump()), "prompt");
        ids.push_back(static_cast<TokenId>(t.get<int64_t>()));
      }
    } else {
      throw bad_request("prompt: expected a string, a list of token ids, or a list of those", "prompt");
    }
    if (ids.empty()) throw bad_request("Either prompt or prompt_embeds must be provided and non-empty.", "prompt");
    return ids;
  };
  std::vector<std::vector<TokenId>> prompts;
  if (it->is_array() && !it->empty() && (it->front().is_string() || it->front().is_array())) {
    for (const auto& v : *it) prompts.push_back(one_prompt(v));
  } else {
    prompts.push_back(one_prompt(*it));
  }
  return prompts;
}

chat::ChatRequest parse_chat_request(const json& body) {
  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    throw bad_request("messages: a non-empty list of messages is required", "messages");
  }
  for (const auto& m : *messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      throw bad_request("messages: every message must be an object with a string 'role'", "messages");
    }
  }
  chat::ChatRequest r;
  r.messages = nlohmann::ordered_json::parse(messages->dump());
  if (auto t = body.find("tools"); t != body.end() && !t->is_null()) {
    if (!t->is_array()) throw bad_request("tools: expected a list of tools", "tools");
    r.tools = nlohmann::ordered_json::parse(t->dump());
  }
  r.add_generation_prompt = bool_field(body, "add_generation_prompt", true);
  r.continue_final_message = bool_field(body, "continue_final_message", false);
  if (r.add_generation_prompt && r.continue_final_message) {
    throw bad_request("Cannot set both `continue_final_message` and `add_generation_prompt` to True.",
                      "continue_final_message");
  }
  if (auto k = body.find("chat_template_kwargs"); k != body.end() && !k->is_null()) {
    if (!k->is_object()) throw bad_request("chat_template_kwargs: expected an object", "chat_template_kwargs");
    r.kwargs = nlohmann::ordered_json::parse(k->dump());
  }
  return r;
}

std::optional<int> truncate_prompt_tokens(const json& body, int max_model_len) {
  auto k = field<int>(body, "truncate_prompt_tokens");
  if (!k) return std::nullopt;
  if (*k == -1) return max_model_len;
  if (*k < 1 || *k > max_model_len) {
    throw bad_request(fmt::format("truncate_prompt_tokens must be -1 or between 1 and max_model_len ({}), got {}",
                                  max_model_len, *k),
                      "truncate_prompt_tokens");
  }
  return k;
}

std::shared_ptr<const structured::JsonGrammar> parse_response_format(const json& body) {
  // vLLM's structured_outputs {"json": schema} and the older guided_json take a schema too.
  auto compile = [](const json& schema, const char* param) {
    try {
      return std::make_shared<const structured::JsonGrammar>(compile_json_schema(schema));
    } catch (const std::invalid_argument& e) {
      throw bad_request(fmt::format("{}: {}", param, e.what()), param);
    }
  };
  if (const auto so = body.find("structured_outputs"); so != body.end() && !so->is_null()) {
    if (!so->is_object()) throw bad_request("structured_outputs: expected an object", "structured_outputs");
    for (const char* kind : {"regex", "choice", "grammar", "structural_tag"}) {
      if (so->contains(kind) && !(*so)[kind].is_null()) {
        throw bad_request(fmt::format("structured_outputs.{} is not supported by vllmctl; use json or json_object", kind),
                          "structured_outputs");
      }
    }
    if (const auto j = so->find("json"); j != so->end() && !j->is_null()) {
      return compile(j->is_string() ? json::parse(j->get<std::string>(), nullptr, false) : *j, "structured_outputs");
    }
    if (bool_field(*so, "json_object", false)) {
      return std::make_shared<const structured::JsonGrammar>(structured::JsonGrammar::any_object());
    }
  }
  if (const auto gj = body.find("guided_json"); gj != body.end() && !gj->is_null()) {
    return compile(gj->is_string() ? json::parse(gj->get<std::string>(), nullptr, false) : *gj, "guided_json");
  }
  const auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) return nullptr;
  if (!it->is_object() || !it->contains("type") || !(*it)["type"].is_string()) {
    throw bad_request("response_format: expected an object with a string 'type'", "response_format");
  }
  const std::string type = (*it)["type"].get<std::string>();
  if (type == "text") return nullptr;
  if (type == "json_object") {
    // llama.cpp's extension: json_object with a "schema".
    if (const auto schema = it->find("schema"); schema != it->end() && !schema->is_null()) {
      return compile(*schema, "response_format");
    }
    return std::make_shared<const structured::JsonGrammar>(structured::JsonGrammar::any_object());
  }
  if (type == "json_schema") {
    const auto js = it->find("json_schema");
    if (js == it->end() || !js->is_object()) {
      throw bad_request("response_format: type 'json_schema' needs a 'json_schema' object with a 'schema'",
                        "response_format");
    }
    const auto schema = js->find("schema");
    if (schema == js->end() || schema->is_null()) {
      throw bad_request("response_format.json_schema: 'schema' is required", "response_format");
    }
    return compile(*schema, "response_format");
  }
  throw bad_request(fmt::format("response_format type '{}' is not supported; use 'text', 'json_object' or "
                                "'json_schema'",
                                type),
                    "response_format");
}

StreamOptions parse_stream_options(const json& body) {
  StreamOptions o;
  o.stream = bool_field(body, "stream", false);
  if (auto so = body.find("stream_options"); so != body.end() && !so->is_null()) {
    if (!o.stream) throw bad_request("Stream options can only be defined when `stream=True`.", "stream_options");
    if (!so->is_object()) throw bad_request("stream_options: expected an object", "stream_options");
    o.include_usage = bool_field(*so, "include_usage", true);
  }
  return o;
}

}  // namespace vllmctl
