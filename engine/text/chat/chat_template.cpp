// ChatTemplate: template choice (default / tool_use), vLLM's message preprocessing,
// the render context transformers builds, and continue_final_message.
#include "engine/text/chat/chat_template.h"

#include <stdexcept>

#include "engine/text/jinja/py_str.h"

namespace vllmctl::chat {
namespace {

using Json = nlohmann::ordered_json;

bool loops_over_content(const jinja::Body& body) {
  for (const auto& s : body) {
    if (s->kind == jinja::StmtKind::For && s->expr) {
      const jinja::Expr& it = *s->expr;
      bool attr = it.kind == jinja::ExprKind::Attr && it.name == "content";
      bool item = it.kind == jinja::ExprKind::Item && it.args.size() == 2 &&
                  it.args[1]->kind == jinja::ExprKind::Literal && it.args[1]->literal.is_string() &&
                  it.args[1]->literal.as_string() == "content";
      if (attr || item) return true;
    }
    if (loops_over_content(s->body) || loops_over_content(s->else_body)) return true;
    for (const auto& [cond, b] : s->branches) {
      if (loops_over_content(b)) return true;
    }
  }
  return false;
}

std::string part_text(const Json& part) {
  if (part.is_string()) return part.get<std::string>();
  if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
    throw std::invalid_argument("content parts must be objects with a 'type'");
  }
  const std::string type = part["type"].get<std::string>();
  if (type != "text") {
    throw std::invalid_argument("content part type '" + type + "' is not supported (text only)");
  }
  if (!part.contains("text") || !part["text"].is_string()) {
    throw std::invalid_argument("a text content part needs a string 'text'");
  }
  return part["text"].get<std::string>();
}

}  // namespace

Json preprocess_messages(const Json& messages, ContentFormat format) {
  if (!messages.is_array()) throw std::invalid_argument("messages must be a list");
  Json out = Json::array();
  for (const auto& msg : messages) {
    if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string()) {
      throw std::invalid_argument("each message must be an object with a string 'role'");
    }
    Json copy = msg;
    if (msg.contains("content") && msg["content"].is_array()) {
      if (format == ContentFormat::OpenAI) {
        Json parts = Json::array();
        for (const auto& part : msg["content"])
          parts.push_back({{"type", "text"}, {"text", part_text(part)}});
        copy["content"] = parts;
      } else {
        std::string joined;
        bool first = true;
        for (const auto& part : msg["content"]) {
          if (!first) joined += "\n";
          first = false;
          joined += part_text(part);
        }
        copy["content"] = joined;
      }
    }
    if (copy["role"] == "assistant" && copy.contains("tool_calls") &&
        copy["tool_calls"].is_array()) {
      for (auto& call : copy["tool_calls"]) {
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object())
          continue;
        Json& fn = call["function"];
        if (!fn.contains("arguments") || fn["arguments"].is_null() ||
            (fn["arguments"].is_string() && fn["arguments"].get<std::string>().empty())) {
          fn["arguments"] = Json::object();
        } else if (fn["arguments"].is_string()) {
          try {
            fn["arguments"] = Json::parse(fn["arguments"].get<std::string>());
          } catch (const nlohmann::json::exception&) {
            throw std::invalid_argument("tool call arguments are not valid JSON");
          }
        }
      }
    }
    out.push_back(std::move(copy));
  }
  return out;
}

ChatTemplate::ChatTemplate(TokenizerChatConfig config, std::optional<std::string> override_source)
    : config_(std::move(config)) {
  if (override_source) config_.templates = {{"default", *override_source}};
  if (config_.templates.empty()) {
    throw std::invalid_argument(
        "As of transformers v4.44, default chat template is no longer allowed, so you must "
        "provide a chat template if the tokenizer does not define one.");
  }
  for (const auto& t : config_.templates) {
    jinja::TemplateOptions opts;
    opts.name = t.name == "default" ? "chat_template" : "chat_template:" + t.name;
    auto compiled = std::make_unique<jinja::Template>(t.source, opts);
    ContentFormat f =
        loops_over_content(compiled->body()) ? ContentFormat::OpenAI : ContentFormat::String;
    templates_[t.name] = Compiled{std::move(compiled), f};
  }
}

const ChatTemplate::Compiled& ChatTemplate::pick(bool with_tools) const {
  if (with_tools) {
    if (auto it = templates_.find("tool_use"); it != templates_.end()) return it->second;
  }
  if (auto it = templates_.find("default"); it != templates_.end()) return it->second;
  throw std::invalid_argument(
      "This model has multiple chat templates with no default specified! Please either pass a "
      "chat template or the name of the template you wish to use to the `chat_template` "
      "argument.");
}

ContentFormat ChatTemplate::detected_format(bool with_tools) const {
  return pick(with_tools).format;
}

std::string ChatTemplate::apply(const ChatRequest& request,
                                const jinja::RenderOptions& options) const {
  if (request.continue_final_message && request.add_generation_prompt) {
    throw std::invalid_argument(
        "continue_final_message and add_generation_prompt are not compatible. Use "
        "continue_final_message when you want the model to continue the final message, and "
        "add_generation_prompt when you want to add a header that will prompt it to start a "
        "new assistant message instead.");
  }
  bool with_tools = !request.tools.is_null();
  const Compiled& c = pick(with_tools);
  ContentFormat format =
      request.content_format == ContentFormat::Auto ? c.format : request.content_format;
  Json messages = preprocess_messages(request.messages, format);

  Json context = Json::object();
  context["messages"] = messages;
  context["tools"] = request.tools;
  context["documents"] = nullptr;
  context["add_generation_prompt"] = request.add_generation_prompt;
  for (auto it = config_.special_tokens.begin(); it != config_.special_tokens.end(); ++it) {
    context[it.key()] = it.value();
  }
  if (request.kwargs.is_object()) {
    for (auto it = request.kwargs.begin(); it != request.kwargs.end(); ++it) {
      if (it.key() == "messages" || it.key() == "tools" || it.key() == "add_generation_prompt")
        continue;
      context[it.key()] = it.value();
    }
  }
  std::string rendered;
  try {
    rendered = c.tmpl->render(context, options);
  } catch (const jinja::Error& e) {
    throw std::invalid_argument(std::string("chat template: ") + e.what());
  }
  if (!request.continue_final_message) return rendered;

  // transformers' continue_final_message: cut the prompt right after the final
  // message's text, wherever the template put it.
  if (messages.empty()) throw std::invalid_argument("continue_final_message needs a final message");
  const Json& content = messages.back().contains("content") ? messages.back()["content"] : Json();
  std::string final_text;
  if (content.is_string()) {
    final_text = content.get<std::string>();
  } else if (content.is_array()) {
    bool found = false;
    for (auto it = content.rbegin(); it != content.rend() && !found; ++it) {
      if (it->is_object() && it->contains("text") && (*it)["text"].is_string()) {
        final_text = (*it)["text"].get<std::string>();
        found = true;
      }
    }
    if (!found) {
      throw std::invalid_argument(
          "continue_final_message is set but we could not find any text to continue in the final "
          "message!");
    }
  } else {
    throw std::invalid_argument("continue_final_message is set but the final message has no text");
  }
  std::string stripped = jinja::py::strip(final_text, std::nullopt, true, true);
  std::size_t loc = rendered.rfind(stripped);
  if (loc == std::string::npos) {
    throw std::invalid_argument(
        "continue_final_message is set but the final message does not appear in the chat after "
        "applying the chat template! This can happen if the chat template deletes portions of "
        "the final message. Please verify the chat template manually.");
  }
  std::string lstripped = jinja::py::strip(final_text, std::nullopt, true, false);
  if (rendered.compare(loc, lstripped.size(), final_text) == 0) {
    return rendered.substr(0, loc + lstripped.size());  // the template kept the spacing
  }
  return rendered.substr(0, loc + stripped.size());
}

}  // namespace vllmctl::chat
