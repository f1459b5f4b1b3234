// Python's text forms of values: str() (what {{ x }} prints), repr(), float repr, and
// json.dumps as Hugging Face's tojson filter calls it (ensure_ascii=False).
#pragma once

#include <optional>
#include <string>

#include "engine/text/jinja/value.h"

namespace vllmctl::jinja {

std::string float_repr(double d);    // 1.0, 0.1, 1e-05, 1e+16, inf, nan
std::string to_str(const Value& v);  // str(v); undefined is ""
std::string repr(const Value& v);    // repr(v): 'text', [1, 'a'], {'k': None}

struct JsonOptions {
  std::optional<std::string> indent;          // None: one line; else newline + indent per level
  std::optional<std::string> item_separator;  // default ", " (one line) or "," (indented)
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;  // non-ASCII as \uXXXX escapes
};
// json.dumps(v, ensure_ascii=False, ...). Throws Failure for undefined and callables.
std::string to_json(const Value& v, const JsonOptions& options = {});

}  // namespace vllmctl::jinja
