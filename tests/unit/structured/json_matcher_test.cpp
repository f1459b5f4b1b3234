// JsonMatcher: JSON syntax, schema constraints, completion, and the promise that a
// constrained generation never dead-ends and always parses.
#include "cli/serve/json_schema_compiler.h"
#include "engine/structured/json_matcher.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <string>

using namespace vllmctl;
using namespace vllmctl::structured;
using nlohmann::json;

namespace {

std::shared_ptr<const JsonGrammar> any_object() { return std::make_shared<const JsonGrammar>(JsonGrammar::any_object()); }

std::shared_ptr<const JsonGrammar> schema(const char* text) {
  return std::make_shared<const JsonGrammar>(compile_json_schema(json::parse(text)));
}

// Feeds `text` one byte at a time; returns how many bytes were accepted.
size_t accepted_prefix(JsonMatcher& m, std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!m.accept(text.substr(i, 1))) return i;
  }
  return text.size();
}

// The whole text is accepted and complete.
bool matches(const std::shared_ptr<const JsonGrammar>& g, std::string_view text) {
  JsonMatcher m(g);
  return accepted_prefix(m, text) == text.size() && m.can_finish();
}

// Where the first rejected byte is (text.size() when none is).
size_t rejected_at(const std::shared_ptr<const JsonGrammar>& g, std::string_view text) {
  JsonMatcher m(g);
  return accepted_prefix(m, text);
}

}  // namespace

TEST_CASE("json_object accepts any JSON object and nothing after it") {
  const auto g = any_object();
  CHECK(matches(g, R"({"a": [1, 2.5e3, -0, 1E-7, "x\u00e9\n\"", []], "b": {"c": null, "d": true}, "e": false})"));
  CHECK(matches(g, "{}"));
  CHECK(matches(g, " \n{ }"));
  CHECK(matches(g, "{\"caf\xc3\xa9\": \"\xe2\x82\xac\"}"));  // UTF-8 in keys and values

  JsonMatcher m(g);
  CHECK(m.accept("{\"a\":1}"));
  CHECK(m.can_finish());
  CHECK(m.terminated());
  CHECK_FALSE(m.can_accept(" "));  // nothing, not even whitespace, after the object
  CHECK_FALSE(m.can_accept("}"));
}

TEST_CASE("json_object rejects bad syntax at the first bad byte") {
  const auto g = any_object();
  CHECK(rejected_at(g, "[1]") == 0);              // an object, not an array
  CHECK(rejected_at(g, "{'a':1}") == 1);
  CHECK(rejected_at(g, R"({"a":01})") == 6);      // leading zero
  CHECK(rejected_at(g, R"({"a":1,})") == 7);      // trailing comma
  CHECK(rejected_at(g, R"({"a" 1})") == 5);
  CHECK(rejected_at(g, R"({"a":"\x"})") == 7);    // unknown escape
  CHECK(rejected_at(g, "{\"a\":\"\x01\"}") == 6); // raw control character
  CHECK(rejected_at(g, R"({"a":1.})") == 7);
  CHECK(rejected_at(g, R"({"a":tru})") == 8);
  CHECK(rejected_at(g, R"({"a":"\u12G4"})") == 10);
  CHECK(rejected_at(g, "{\"a\":\"\xff\"}") == 6); // not UTF-8
  CHECK(rejected_at(g, R"({"a":1e123})") == 9);   // a third exponent digit (numbers stay finite doubles)
  CHECK(matches(g, R"({"a":"\ud83d\ude00"})"));          // a surrogate pair
  CHECK(rejected_at(g, R"({"a":"\ud83d"})") == 12);       // a high surrogate alone
  CHECK(rejected_at(g, R"({"a":"\ude00"})") == 9);        // a low surrogate alone
  CHECK(rejected_at(g, "{\"a\":\"\xed\xa0\x80\"}") == 7);  // a surrogate in UTF-8
  CHECK(rejected_at(g, "{\"a\":\"\xe0\x80\x80\"}") == 7);  // an overlong form
}

TEST_CASE("a refused byte changes nothing") {
  JsonMatcher m(any_object());
  CHECK(m.accept("{\"a\":"));
  CHECK_FALSE(m.accept("}"));
  CHECK_FALSE(m.accept("1}x"));  // all or nothing
  CHECK(m.accept("1}"));
  CHECK(m.can_finish());
}

TEST_CASE("completion: numbers and literals end when the next byte says so") {
  const auto g = schema(R"({"type": "number"})");
  JsonMatcher m(g);
  CHECK(m.accept("-12"));
  CHECK(m.can_finish());
  CHECK_FALSE(m.terminated());  // more digits may come
  CHECK(m.accept(".5"));
  CHECK(m.can_finish());
  CHECK(m.accept("e"));
  CHECK_FALSE(m.can_finish());

  const auto lits = schema(R"({"enum": ["a", "ab", 1, 12, null]})");
  CHECK(matches(lits, R"("a")"));
  CHECK(matches(lits, R"("ab")"));
  CHECK(matches(lits, "1"));
  CHECK(matches(lits, "12"));
  CHECK(matches(lits, "null"));
  CHECK(rejected_at(lits, "2") == 0);
  CHECK(rejected_at(lits, R"("b")") == 1);
  CHECK(rejected_at(lits, "13") == 1);
}

TEST_CASE("whitespace runs are bounded so a model cannot pad forever") {
  const auto g = any_object();
  const std::string ok = "{" + std::string(JsonMatcher::kMaxWhitespaceRun, ' ') + "}";
  const std::string too_long = "{" + std::string(JsonMatcher::kMaxWhitespaceRun + 1, ' ') + "}";
  CHECK(matches(g, ok));
  CHECK(rejected_at(g, too_long) == too_long.size() - 2);
  CHECK(matches(g, R"({"s": ")" + std::string(200, ' ') + R"("})"));  // inside strings: text
  CHECK(matches(g, "{\r\n  \"a\": [\n    1\n  ]\n}"));                  // pretty-printed
  CHECK(rejected_at(g, "{\n\n\n}") == 3);                                // no runs of blank lines
}

TEST_CASE("object schemas: listed keys once each, required ones before the end") {
  const auto g = schema(R"({"type": "object",
      "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "nick": {"type": "string"}},
      "required": ["name", "age"]})");
  CHECK(matches(g, R"({"name": "Ada", "age": 36})"));
  CHECK(matches(g, R"({"age": 36, "nick": "a", "name": "Ada"})"));  // any order
  CHECK(rejected_at(g, R"({"name": "Ada"})") == 14);                // age is missing
  CHECK(rejected_at(g, R"({"other": 1})") == 2);
  CHECK(rejected_at(g, R"({"nam": 1})") == 5);                      // a prefix is not a key
  CHECK(rejected_at(g, R"({"age": 1.5})") == 9);                    // integer
  CHECK(rejected_at(g, R"({"age": 1, "age": 2)") == 12);            // twice
  CHECK(rejected_at(g, R"({"name": "a", "age": 1, "nick": "b", )") == 35);  // no key is left

  const auto open = schema(R"({"type": "object", "properties": {"a": {"type": "integer"}},
      "additionalProperties": {"type": "boolean"}})");
  CHECK(matches(open, R"({"a": 1, "ab": true, "zz": false})"));
  CHECK(rejected_at(open, R"({"ab": 1})") == 7);
  CHECK(matches(schema(R"({"type": "object"})"), R"({"anything": [1, {"x": null}]})"));
}

TEST_CASE("string lengths count code points; escapes count once") {
  const auto g = schema(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  CHECK(matches(g, R"("ab")"));
  CHECK(matches(g, "\"\xc3\xa9\xc3\xa9\xc3\xa9\""));  // three two-byte characters
  CHECK(matches(g, R"("a\n\u0041")"));
  CHECK(rejected_at(g, R"("a")") == 2);
  CHECK(rejected_at(g, R"("abcd")") == 4);
}

TEST_CASE("arrays: item schema and bounds") {
  const auto g = schema(R"({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2})");
  CHECK(matches(g, "[1]"));
  CHECK(matches(g, "[1, -2]"));
  CHECK(rejected_at(g, "[]") == 1);
  CHECK(rejected_at(g, "[1,2,3]") == 4);
  CHECK(rejected_at(g, R"(["a"])") == 1);
}

TEST_CASE("anyOf, type lists, nullable and recursive references") {
  const auto either = schema(R"({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "object",
      "properties": {"k": {"const": 1}}, "required": ["k"]}]})");
  CHECK(matches(either, R"("x")"));
  CHECK(matches(either, "5"));
  CHECK(matches(either, R"({"k": 1})"));
  CHECK(rejected_at(either, "true") == 0);

  CHECK(matches(schema(R"({"type": ["string", "null"]})"), "null"));
  CHECK(matches(schema(R"({"type": "integer", "nullable": true})"), "null"));

  const auto list = schema(R"({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
      "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}}, "required": ["v"]}}})");
  CHECK(matches(list, R"({"v": 1, "next": {"v": 2, "next": {"v": 3}}})"));
  CHECK(rejected_at(list, R"({"v": 1, "next": {}})") == 18);
}

TEST_CASE("a random walk over allowed bytes never dead-ends and always parses") {
  const auto g = schema(R"({"type": "object",
      "properties": {"name": {"type": "string", "maxLength": 8},
                     "tags": {"type": "array", "items": {"enum": ["x", "y", 3]}, "maxItems": 3},
                     "n": {"type": ["number", "null"]},
                     "sub": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}},
      "required": ["name", "sub"]})");
  std::mt19937 rng(7);
  int finished = 0;
  for (int run = 0; run < 200; ++run) {
    JsonMatcher m(g);
    std::string text;
    while (!m.terminated() && text.size() < 2000) {
      // Prefer bytes that close things as the text grows, so walks end.
      std::vector<char> allowed, closing;
      for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        if (!m.can_accept(std::string_view(&c, 1))) continue;
        allowed.push_back(c);
        if (c == '"' || c == '}' || c == ']' || c == ':' || (c >= '0' && c <= '9')) closing.push_back(c);
      }
      REQUIRE_MESSAGE((!allowed.empty() || m.can_finish()), "dead end after: " << text);
      if (allowed.empty()) break;
      const bool close = !closing.empty() && std::uniform_int_distribution<size_t>(0, 99)(rng) < text.size() / 2;
      const auto& pool = close ? closing : allowed;
      const char c = pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
      REQUIRE(m.accept(std::string_view(&c, 1)));
      text += c;
    }
    if (!m.can_finish()) continue;
    ++finished;
    const json v = json::parse(text, nullptr, false);
    REQUIRE_MESSAGE(!v.is_discarded(), text);
    REQUIRE(v.is_object());
    CHECK(v.at("name").is_string());
    CHECK(v.at("sub").at("ok").is_boolean());
    if (v.contains("tags")) CHECK(v["tags"].size() <= 3);
    if (v.contains("n")) CHECK((v["n"].is_number() || v["n"].is_null()));
  }
  CHECK(finished > 150);
}
