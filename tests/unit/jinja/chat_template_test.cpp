// Chat-template application: tokenizer_config.json parsing, template choice, vLLM's
// message preprocessing, continue_final_message, --chat-template, and the Qwen2.5
// template's documented behaviour (reference/engine-facts.md section 2.5).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/text/chat/chat_template.h"
#include "tests/unit/test_support.h"

namespace vllmctl::chat {
namespace {

using Json = nlohmann::ordered_json;

// A template that shows exactly what it was given.
const char* kEcho =
    "{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}"
    "{% if tools %}T{{ tools|length }}{% endif %}{{ bos_token }}|{{ eos_token }}"
    "{% if add_generation_prompt %}<gen>{% endif %}";

ChatRequest request(const char* messages_json) {
  ChatRequest r;
  r.messages = Json::parse(messages_json);
  return r;
}

}  // namespace

TEST_CASE("tokenizer_config.json: templates and special tokens") {
  auto cfg = TokenizerChatConfig::from_json(Json::parse(R"({
    "chat_template": "x", "bos_token": null,
    "eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": false},
    "pad_token": "<pad>", "additional_special_tokens": ["<a>", {"content": "<b>"}]})"));
  REQUIRE(cfg.templates.size() == 1);
  CHECK(cfg.templates[0].name == "default");
  CHECK(cfg.templates[0].source == "x");
  CHECK_FALSE(cfg.special_tokens.contains("bos_token"));
  CHECK(cfg.special_tokens["eos_token"] == "</s>");
  CHECK(cfg.special_tokens["pad_token"] == "<pad>");
  CHECK(cfg.special_tokens["additional_special_tokens"] == Json::parse(R"(["<a>", "<b>"])"));

  auto named = TokenizerChatConfig::from_json(Json::parse(
      R"({"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]})"));
  ChatTemplate t(named);
  ChatRequest r = request(R"([{"role": "user", "content": "hi"}])");
  CHECK(t.apply(r) == "D");
  r.tools = Json::array();  // tools given (even empty) selects tool_use, as transformers does
  CHECK(t.apply(r) == "T");

  CHECK_THROWS_AS(TokenizerChatConfig::from_json(Json::parse(R"({"chat_template": 3})")), std::invalid_argument);
  CHECK_THROWS_AS(ChatTemplate(TokenizerChatConfig::from_json(Json::object())), std::invalid_argument);
  auto only_tools = TokenizerChatConfig::from_json(Json::parse(R"({"chat_template": [{"name": "tool_use", "template": "T"}]})"));
  CHECK_THROWS_AS(ChatTemplate(only_tools).apply(request(R"([])")), std::invalid_argument);
}

TEST_CASE("the render context: special tokens, kwargs, add_generation_prompt") {
  auto cfg = TokenizerChatConfig::from_json(Json::parse(R"({"bos_token": "<s>", "eos_token": "</s>"})"));
  ChatTemplate t(cfg, std::string(kEcho));
  ChatRequest r = request(R"([{"role": "user", "content": "hi"}])");
  CHECK(t.apply(r) == "[user:hi]<s>|</s><gen>");
  r.add_generation_prompt = false;
  r.kwargs = Json::parse(R"({"eos_token": "<E>", "add_generation_prompt": true})");
  CHECK(t.apply(r) == "[user:hi]<s>|<E>");  // kwargs override tokens, not the request's own fields
  r.tools = Json::parse(R"([{"type": "function", "function": {"name": "f"}}])");
  CHECK(t.apply(r) == "[user:hi]T1<s>|<E>");
}

TEST_CASE("content parts: joined for string templates, passed on for templates that loop over them") {
  ChatTemplate str_tmpl(TokenizerChatConfig{}, std::string(kEcho));
  CHECK(str_tmpl.detected_format(false) == ContentFormat::String);
  ChatRequest r = request(
      R"([{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}])");
  r.add_generation_prompt = false;
  CHECK(str_tmpl.apply(r) == "[user:a\nb]|");

  ChatTemplate parts_tmpl(TokenizerChatConfig{},
                          std::string("{% for m in messages %}{% if m.content is string %}S:{{ m.content }}"
                                      "{% else %}{% for p in m['content'] %}<{{ p.type }}:{{ p.text }}>{% endfor %}"
                                      "{% endif %}{% endfor %}"));
  CHECK(parts_tmpl.detected_format(false) == ContentFormat::OpenAI);
  CHECK(parts_tmpl.apply(r) == "<text:a><text:b>");
  r.content_format = ContentFormat::String;  // an explicit choice wins over detection
  CHECK(parts_tmpl.apply(r) == "S:a\nb");

  ChatRequest image = request(R"([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}])");
  CHECK_THROWS_AS(str_tmpl.apply(image), std::invalid_argument);
}

TEST_CASE("tool-call arguments given as JSON strings reach the template as objects") {
  Json msgs = Json::parse(R"([{"role": "assistant", "content": null, "tool_calls": [
      {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{\"b\": 1, \"a\": [2]}"}},
      {"id": "2", "type": "function", "function": {"name": "g", "arguments": ""}}]}])");
  Json out = preprocess_messages(msgs, ContentFormat::String);
  CHECK(out[0]["tool_calls"][0]["function"]["arguments"].dump() == R"({"b":1,"a":[2]})");
  CHECK(out[0]["tool_calls"][1]["function"]["arguments"] == Json::object());
  CHECK(out[0]["content"].is_null());
  msgs[0]["tool_calls"][0]["function"]["arguments"] = "{not json";
  CHECK_THROWS_AS(preprocess_messages(msgs, ContentFormat::String), std::invalid_argument);
  CHECK_THROWS_AS(preprocess_messages(Json::parse(R"([{"content": "no role"}])"), ContentFormat::String),
                  std::invalid_argument);
}

TEST_CASE("continue_final_message leaves the last message open") {
  ChatTemplate t(TokenizerChatConfig{},
                 std::string("{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}</{{ m.role }}>\n{% endfor %}"));
  ChatRequest r = request(R"([{"role": "user", "content": "Capital of France?"},
                              {"role": "assistant", "content": "The capital is "}])");
  r.add_generation_prompt = false;
  r.continue_final_message = true;
  CHECK(t.apply(r) == "<user>Capital of France?</user>\n<assistant>The capital is");
  r.messages[1]["content"] = "The capital";
  CHECK(t.apply(r) == "<user>Capital of France?</user>\n<assistant>The capital");
  r.add_generation_prompt = true;
  CHECK_THROWS_AS(t.apply(r), std::invalid_argument);
}

TEST_CASE("template errors become invalid_argument with the template's message") {
  ChatTemplate t(TokenizerChatConfig{},
                 std::string("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok"));
  CHECK(t.apply(request(R"([{"role": "user", "content": "x"}])")) == "ok");
  try {
    t.apply(request(R"([{"role": "system", "content": "x"}])"));
    FAIL("expected an error");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "chat template: chat_template:1:41: System role not supported");
  }
}

TEST_CASE("--chat-template: a file, or the template text itself") {
  test::TempDir dir;
  test::write_file(dir / "t.jinja", "{{ messages|length }}");
  CHECK(load_chat_template_arg((dir / "t.jinja").string()) == "{{ messages|length }}");
  CHECK(load_chat_template_arg("{{ 'a' }}\\n{{ 'b' }}") == "{{ 'a' }}\n{{ 'b' }}");
  CHECK_THROWS_AS(load_chat_template_arg((dir / "missing.jinja").string()), std::invalid_argument);
}

TEST_CASE("Qwen2.5's template renders as engine-facts 2.5 describes") {
  auto dir = test::fixture_or_skip("qwen2.5-tokenizer");
  if (!dir) return;
  ChatTemplate t(TokenizerChatConfig::load(*dir / "tokenizer_config.json"));
  CHECK(t.apply(request(R"([{"role": "user", "content": "What is the capital of France?"}])")) ==
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n");
  ChatRequest tools = request(R"([{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
      {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
      {"role": "tool", "content": "r1"}, {"role": "tool", "content": "r2"}])");
  tools.tools = Json::parse(R"([{"type": "function", "function": {"name": "f", "parameters": {}}}])");
  tools.add_generation_prompt = false;
  CHECK(t.apply(tools) ==
        "<|im_start|>system\nS\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        "{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {}}}\n</tools>\n\n"
        "For each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
        "<args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
        "<|im_start|>assistant\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_call><|im_end|>\n"
        "<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n");
}

}  // namespace vllmctl::chat
