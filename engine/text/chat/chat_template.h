// Applying a model's chat template to an OpenAI-style conversation, as vLLM does with
// transformers: the template sees messages, tools, documents, add_generation_prompt,
// the tokenizer's special tokens and the request's chat_template_kwargs.
//
// Message preprocessing (vLLM's chat_utils):
//  - content given as a list of parts: with the "string" content format the text parts
//    are joined with "\n" into one string; with "openai" the list is passed on as is.
//    Auto-detection (vLLM's default, --chat-template-content-format auto) picks
//    "openai" when the template loops over a message's `content` ({% for x in
//    message['content'] %}), else "string". Non-text parts are rejected.
//  - assistant tool_calls[].function.arguments given as a JSON string is parsed into
//    an object ("" or null becomes {}), since templates expect a mapping.
//  - every other field (name, tool_call_id, reasoning_content, ...) passes unchanged;
//    a null content stays None (transformers' behaviour; some templates test for it).
// Errors: std::invalid_argument for bad requests, including an error the template
// raises (its what() is "chat template: NAME:LINE:COL: message").
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/text/chat/tokenizer_chat_config.h"
#include "engine/text/jinja/template.h"

namespace vllmctl::chat {

enum class ContentFormat { Auto, String, OpenAI };

struct ChatRequest {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;  // null, or the request's tools array
  bool add_generation_prompt = true;
  bool continue_final_message = false;  // leave the last (assistant) message open
  nlohmann::ordered_json kwargs = nlohmann::ordered_json::object();  // chat_template_kwargs
  ContentFormat content_format = ContentFormat::Auto;
};

class ChatTemplate {
 public:
  // `override_source` (from --chat-template, see load_chat_template_arg) replaces the
  // tokenizer's templates. Throws std::invalid_argument when there is no template,
  // and jinja::Error when a template does not parse.
  explicit ChatTemplate(TokenizerChatConfig config,
                        std::optional<std::string> override_source = std::nullopt);

  std::string apply(const ChatRequest& request, const jinja::RenderOptions& options = {}) const;

  // The format auto-detection picks for the template used with/without tools.
  ContentFormat detected_format(bool with_tools) const;

 private:
  struct Compiled {
    std::unique_ptr<jinja::Template> tmpl;
    ContentFormat format;
  };
  const Compiled& pick(bool with_tools) const;

  TokenizerChatConfig config_;
  std::map<std::string, Compiled> templates_;
};

// vLLM's message preprocessing (see above), exposed for tests.
nlohmann::ordered_json preprocess_messages(const nlohmann::ordered_json& messages,
                                           ContentFormat format);

}  // namespace vllmctl::chat
