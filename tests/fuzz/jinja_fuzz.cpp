// libFuzzer target: the Jinja lexer, parser and interpreter on arbitrary template text,
// rendered against a small chat-like context. Any input may fail with jinja::Error;
// nothing else may escape, crash, hang or exhaust memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/text/jinja/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nlohmann::ordered_json context = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Héllo <b>\"x\"</b>"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "abc123def", "type": "function",
         "function": {"name": "f", "arguments": {"x": 1, "y": [1.5, true, null]}}}]},
      {"role": "tool", "tool_call_id": "abc123def", "content": "42"}],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
               "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "n": 3, "f": 0.5
  })");
  vllmctl::jinja::RenderOptions options;
  options.max_steps = 20000;  // keeps each run fast; the limit itself is under test too
  options.max_output_bytes = 1u << 20;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  try {
    vllmctl::jinja::Template tmpl(source);
    (void)tmpl.render(context, options);
  } catch (const vllmctl::jinja::Error&) {
    // Malformed templates and failing renders are expected.
  }
  return 0;
}
