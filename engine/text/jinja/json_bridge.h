// Conversion between nlohmann JSON and Jinja values, at the library's boundary.
// Objects become insertion-ordered dicts in the JSON object's own iteration order.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/text/jinja/value.h"

namespace vllmctl::jinja {

// Throws Failure for JSON nested deeper than kMaxNesting.
Value from_json(const nlohmann::ordered_json& j);
Value from_json(const nlohmann::json& j);
// Throws Failure for undefined values and callables.
nlohmann::ordered_json to_json_value(const Value& v);

}  // namespace vllmctl::jinja
