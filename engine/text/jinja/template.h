// A compiled Jinja template: the public entry point of the interpreter.
// Configured like Hugging Face's chat-template environment by default (jinja2's
// ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and loopcontrols, HF's
// tojson, raise_exception and strftime_now globals).
//   Template t(source);                      // throws Error on a syntax error
//   std::string s = t.render(context_json);  // throws Error on a runtime error
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/text/jinja/ast.h"
#include "engine/text/jinja/error.h"
#include "engine/text/jinja/lexer.h"
#include "engine/text/jinja/value.h"

namespace vllmctl::jinja {

struct TemplateOptions {
  std::string name = "template";  // the NAME in error messages
  LexerOptions lexer;             // trim_blocks and lstrip_blocks on, as HF does
};

struct RenderOptions {
  // What strftime_now() formats; unset means the local time at the call.
  std::optional<std::tm> now;
  // Bounds for untrusted templates: loop iterations plus macro calls, and output size.
  // Exceeding one is an Error.
  std::uint64_t max_steps = 10'000'000;
  std::size_t max_output_bytes = 64u << 20;
};

class Template {
 public:
  explicit Template(std::string_view source, TemplateOptions options = {});

  // `context` must be a dict; its entries become global variables beside the
  // built-in globals (range, namespace, dict, raise_exception, strftime_now).
  std::string render(const Value& context, const RenderOptions& options = {}) const;
  // JSON objects keep their key order when given as ordered_json (Python's dicts do;
  // plain nlohmann::json sorts keys, which changes what tojson prints).
  std::string render(const nlohmann::ordered_json& context,
                     const RenderOptions& options = {}) const;
  std::string render(const nlohmann::json& context, const RenderOptions& options = {}) const;

  const Body& body() const { return *body_; }
  const std::string& name() const { return options_.name; }

 private:
  TemplateOptions options_;
  std::shared_ptr<const Body> body_;
};

}  // namespace vllmctl::jinja
