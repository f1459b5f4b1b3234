// Errors: syntax and runtime errors name the template, line and column; the
// message says what jinja2 would say; raise_exception carries its message.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/text/jinja/template.h"

namespace vllmctl::jinja {
namespace {

// The what() of the Error rendering `source` throws, or "" when it renders.
std::string error_of(const std::string& source, const char* context = "{}") {
  try {
    Template(source).render(nlohmann::ordered_json::parse(context));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("syntax errors name line and column") {
  CHECK(error_of("ab\n{% if x %}yes") ==
        "template:2:14: Unexpected end of template. Jinja was looking for the following tags: "
        "'elif', 'else' or 'endif'.");
  CHECK(error_of("{{ 1 + }}") == "template:1:8: unexpected end of print statement");
  CHECK(error_of("x\n  {{ y|nope }}") == "template:2:8: No filter named 'nope'.");
  CHECK(error_of("{% if x is nope %}{% endif %}") == "template:1:9: No test named 'nope'.");
  CHECK(error_of("{% foo %}") == "template:1:4: Encountered unknown tag 'foo'.");
  CHECK(error_of("{{ x ]}}") == "template:1:6: unexpected ']'");
  CHECK(error_of("{{ 'abc }}") == "template:1:4: unexpected end of string");
  CHECK(error_of("{# never closed") == "template:1:1: Missing end of comment tag");
  CHECK(error_of("{% break %}") == "template:1:4: 'break' outside of a loop");
  CHECK(error_of("{% for x in y %}{% endif %}") ==
        "template:1:20: Encountered unknown tag 'endif'.");
  CHECK(error_of("{{ x") == "template:1:1: unexpected end of template, expected '}}'");
}

TEST_CASE("runtime errors name the expression that failed") {
  CHECK(error_of("line1\n{{ x.y.z }}", R"({"x": {}})") ==
        "template:2:7: 'dict object' has no attribute 'y'");
  CHECK(error_of("{{ missing.attr }}") == "template:1:11: 'missing' is undefined");
  CHECK(error_of("{{ 'a' + 1 }}") == "template:1:8: can only concatenate str (not \"int\") to str");
  CHECK(error_of("{{ 'a' + x }}") == "template:1:8: 'x' is undefined");
  CHECK(error_of("{% for m in none %}{% endfor %}") == "template:1:4: 'NoneType' object is not iterable");
  CHECK(error_of("{{ 1 // 0 }}") == "template:1:6: integer division or modulo by zero");
  CHECK(error_of("{{ 1 < 'a' }}") == "template:1:4: '<' not supported between instances of 'int' and 'str'");
  CHECK(error_of("{{ x|tojson }}") == "template:1:6: Object of type Undefined is not JSON serializable");
  CHECK(error_of("{{ f() }}") == "template:1:4: 'f' is undefined");
  CHECK(error_of("{{ [].append(1) }}") ==
        "template:1:6: access to attribute 'append' of 'list' object is unsafe.");
  CHECK(error_of("{% set x = 1 %}{% set x.a = 2 %}") ==
        "template:1:19: cannot assign attribute on non-namespace object");
  CHECK(error_of("{{ range(200000)|length }}") ==
        "template:1:4: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  CHECK(error_of("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}").find(
            "maximum recursion depth exceeded") != std::string::npos);
}

// Regressions found by tests/fuzz/jinja_fuzz.cpp.
TEST_CASE("regression: fuzz slice inside a subscript tuple") {
  CHECK(error_of("{{ 'abc'[:, -1] }}") == "template:1:9: a slice cannot be part of a subscript tuple");
}

TEST_CASE("regression: fuzz attribute index out of range") {
  CHECK(error_of("{{ m.22222222222222222222222222 }}") ==
        "template:1:6: number out of range: 22222222222222222222222222");
}

TEST_CASE("raise_exception carries the template's message") {
  try {
    Template("{% if messages[0].role == 'system' %}\n  {{ raise_exception('System role not supported') }}\n{% endif %}")
        .render(nlohmann::ordered_json::parse(R"({"messages": [{"role": "system"}]})"));
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.message() == "System role not supported");
    CHECK(std::string(e.what()) == "template:2:6: System role not supported");
    CHECK(e.line() == 2);
  }
}

TEST_CASE("the template name appears in errors") {
  TemplateOptions opts;
  opts.name = "prometheus.yml";
  try {
    Template("{{ a.b }}", opts).render(nlohmann::ordered_json::object());
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "prometheus.yml:1:5: 'a' is undefined");
  }
}

}  // namespace vllmctl::jinja
