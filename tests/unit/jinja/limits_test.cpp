// Contexts (ordered_json, json, Value) and the resource bounds that turn runaway
// templates into errors instead of hangs, huge allocations or stack overflows.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/text/jinja/template.h"

namespace vllmctl::jinja {
namespace {

std::string error_of(const std::string& source, const RenderOptions& options = {}) {
  try {
    Template(source).render(nlohmann::ordered_json::object(), options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("contexts: ordered_json keeps key order, json sorts keys, Value is used as is") {
  Template t("{{ d|tojson }}");
  CHECK(t.render(nlohmann::ordered_json::parse(R"({"d": {"b": 1, "a": 2}})")) ==
        R"({"b": 1, "a": 2})");
  CHECK(t.render(nlohmann::json::parse(R"({"d": {"b": 1, "a": 2}})")) == R"({"a": 2, "b": 1})");
  Value inner = Value::dict();
  inner.as_dict().set(Value("x"), Value::list({Value(1), Value(2.5), Value::none()}));
  Value ctx = Value::dict();
  ctx.as_dict().set(Value("d"), inner);
  CHECK(t.render(ctx) == R"({"x": [1, 2.5, null]})");
}

TEST_CASE("resource bounds") {
  RenderOptions few_steps;
  few_steps.max_steps = 100;
  CHECK(error_of("{% for i in range(1000) %}{% endfor %}", few_steps) ==
        "template:1:4: too many loop iterations and macro calls");
  CHECK(error_of("{% for i in range(50) %}{% endfor %}", few_steps) == "");

  RenderOptions small_output;
  small_output.max_output_bytes = 10;
  CHECK(error_of("{{ 'x' * 100 }}", small_output) == "template:1:1: output too large");

  CHECK(error_of("{% set ns = namespace(x=[]) %}{% for i in range(600) %}{% set ns.x = [ns.x] %}{% "
                 "endfor %}")
            .find("value nested too deeply") != std::string::npos);
  CHECK(error_of("{{ " + repeat("(", 300) + "1" + repeat(")", 300) + " }}")
            .find("template is nested too deeply") != std::string::npos);
  CHECK(error_of(repeat("{% if true %}", 300)).find("template is nested too deeply") !=
        std::string::npos);
  CHECK(error_of("{{ " + repeat("1 + ", 2000) + "1 }}") == "template:1:1: expression too long");
  CHECK(error_of("{{ " + repeat("1 + ", 500) + "1 }}") == "");
  CHECK(error_of("{{ 'ab' * 100000000 }}").find("result too large") != std::string::npos);
  CHECK(error_of("{{ 9223372036854775807 + 1 }}").find("integer overflow") != std::string::npos);

  nlohmann::ordered_json deep = nlohmann::ordered_json::array();
  for (int i = 0; i < 1000; ++i) deep = nlohmann::ordered_json::array({deep});
  CHECK_THROWS_AS(Template("{{ x }}").render(nlohmann::ordered_json{{"x", deep}}), Error);
}

}  // namespace vllmctl::jinja
