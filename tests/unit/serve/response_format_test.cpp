// response_format and schemas: what compiles, and the 400s that name the problem.
#include "cli/serve/api_error.h"
#include "cli/serve/json_schema_compiler.h"
#include "cli/serve/request_parsing.h"
#include "engine/structured/json_matcher.h"

#include <doctest/doctest.h>

using namespace vllmctl;
using nlohmann::json;

namespace {

std::string error_of(const char* body) {
  try {
    parse_response_format(json::parse(body));
  } catch (const ApiError& e) {
    CHECK(e.status == 400);
    return e.what();
  }
  return "";
}

bool matches(const std::shared_ptr<const structured::JsonGrammar>& g, std::string_view text) {
  structured::JsonMatcher m(g);
  return m.accept(text) && m.can_finish();
}

}  // namespace

TEST_CASE("response_format kinds") {
  CHECK(parse_response_format(json::parse(R"({"prompt": "x"})")) == nullptr);
  CHECK(parse_response_format(json::parse(R"({"response_format": {"type": "text"}})")) == nullptr);

  const auto object = parse_response_format(json::parse(R"({"response_format": {"type": "json_object"}})"));
  REQUIRE(object);
  CHECK(matches(object, R"({"a": 1})"));
  CHECK_FALSE(matches(object, "[1]"));

  const auto schema = parse_response_format(json::parse(R"({"response_format": {"type": "json_schema",
      "json_schema": {"name": "n", "strict": true, "schema": {"type": "array", "items": {"type": "boolean"}}}}})"));
  REQUIRE(schema);
  CHECK(matches(schema, "[true, false]"));

  // llama.cpp's json_object + schema, vLLM's structured_outputs and the older guided_json.
  CHECK(matches(parse_response_format(json::parse(R"({"response_format": {"type": "json_object",
      "schema": {"type": "integer"}}})")), "7"));
  CHECK(matches(parse_response_format(json::parse(R"({"structured_outputs": {"json": {"enum": ["a"]}}})")), R"("a")"));
  CHECK(matches(parse_response_format(json::parse(R"({"structured_outputs": {"json_object": true}})")), "{}"));
  CHECK(matches(parse_response_format(json::parse(R"({"guided_json": "{\"type\": \"null\"}"})")), "null"));
}

TEST_CASE("response_format errors are 400s that say what to change") {
  CHECK(error_of(R"({"response_format": "json"})").find("expected an object") != std::string::npos);
  CHECK(error_of(R"({"response_format": {"type": "yaml"}})").find("'yaml' is not supported") != std::string::npos);
  CHECK(error_of(R"({"response_format": {"type": "json_schema"}})").find("needs a 'json_schema'") != std::string::npos);
  CHECK(error_of(R"({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}})")
            .find("'schema' is required") != std::string::npos);
  CHECK(error_of(R"({"structured_outputs": {"regex": "a+"}})").find("regex is not supported") != std::string::npos);
  // A field of the wrong type is a 400 naming it, not a JSON library exception (a 500).
  CHECK(error_of(R"({"structured_outputs": {"json_object": "yes"}})").find("json_object") != std::string::npos);
  CHECK(error_of(R"({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema":
                     {"type": "string", "nullable": "x"}}}})")
            .find("'nullable' must be true or false") != std::string::npos);
}

TEST_CASE("schema compile errors name the path and the keyword") {
  auto error = [](const char* schema) {
    try {
      compile_json_schema(json::parse(schema));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error(R"({"type": "string", "pattern": "^a"})").find("'pattern' is not supported") != std::string::npos);
  CHECK(error(R"({"properties": {"n": {"type": "integer", "minimum": 0}}})").find("at '/properties/n'") !=
        std::string::npos);
  CHECK(error(R"({"type": "object", "properties": {}, "required": ["x"]})").find("'x' is not in") != std::string::npos);
  CHECK(error(R"({"$ref": "#/$defs/missing"})").find("points to nothing") != std::string::npos);
  CHECK(error(R"({"$ref": "https://example.com/s.json"})").find("only references inside") != std::string::npos);
  CHECK(error(R"({"type": "date"})").find("unknown type 'date'") != std::string::npos);
  CHECK(error(R"({"type": "string", "minLength": 3, "maxLength": 2})").find("below 'minLength'") != std::string::npos);
  CHECK(error("false").find("allows no value") != std::string::npos);
  CHECK(error(R"({"type": "string", "title": "t", "description": "d", "format": "email", "default": "x"})").empty());
}
