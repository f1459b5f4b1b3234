// Compiles a JSON Schema (the subset structured output enforces) into the engine's
// JsonGrammar. Supported: type (and type lists), properties, required,
// additionalProperties, items, minItems, maxItems, minLength, maxLength, enum, const,
// anyOf, oneOf (as anyOf), allOf of one schema, nullable, and $ref into the schema
// itself ($defs, definitions, recursion). Annotations (title, description, format,
// default, examples, ...) are ignored, as JSON Schema allows. Keywords whose constraint
// cannot be enforced while generating (pattern, minimum, uniqueItems, ...) are refused.
#pragma once

#include "engine/structured/json_grammar.h"

#include <nlohmann/json.hpp>

namespace vllmctl {

// Throws std::invalid_argument naming the schema path and the problem.
structured::JsonGrammar compile_json_schema(const nlohmann::json& schema);

}  // namespace vllmctl
