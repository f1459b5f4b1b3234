// Whitespace control as transformers configures jinja2: trim_blocks, lstrip_blocks,
// `-` and `+` markers, comments and raw blocks, and the one trailing newline jinja2
// drops. Every row was checked against Debian's python3-jinja2 3.1.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/text/jinja/template.h"

namespace vllmctl::jinja {
namespace {

struct Row {
  const char* source;
  const char* context;
  const char* want;
};

// clang-format off
const Row kRows[] = {
  {"{% if true %}\nyes\n{% endif %}\n", "{}", "yes\n"},
  {"    {% if true %}\n    yes\n    {% endif %}\n", "{}", "    yes\n"},
  {"  {{ 'x' }}  \n", "{}", "  x  "},
  {"a  {% if true %}b{% endif %}", "{}", "a  b"},
  {"a\n  {% if true %}b{% endif %}", "{}", "a\nb"},
  {"a\n\t {%+ if true %}b{% endif %}", "{}", "a\n\t b"},
  {"a \n {%- if true %} b {% endif -%} \n c", "{}", "a b c"},
  {"{{- ' x ' -}}  \n  {{ 'y' }}", "{}", " x y"},
  {"a\n  {# comment #}\nb", "{}", "a\nb"},
  {"a {#- c -#} b", "{}", "ab"},
  {"{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}\n", "{}", "  1\n  2\n"},
  {"{%- for i in [1, 2] -%}\n  {{ i }}\n{%- endfor -%}\n", "{}", "12"},
  {"line1\nline2\n\n", "{}", "line1\nline2\n"},
  {"x\r\ny\rz", "{}", "x\ny\nz"},
  {"  {% raw %}\n  {{ x }}\n  {% endraw %}\nafter", "{}", "\n  {{ x }}\nafter"},
  {"{% set x %}\n  a\n{% endset %}[{{ x }}]", "{}", "[  a\n]"},
  {"{% macro m() %}\n  body\n{% endmacro %}\n{{ m() }}|", "{}", "  body\n|"},
  {"{{ 'a' }}\n{{ 'b' }}\n", "{}", "a\nb"},
  {"{% if true %}  {% endif %}x", "{}", "  x"},
  {"<{%- if true %}\n  y\n{%- endif %}>", "{}", "<  y>"},
};
// clang-format on

}  // namespace

TEST_CASE("whitespace control matches jinja2 with trim_blocks and lstrip_blocks") {
  for (const Row& row : kRows) {
    INFO("template: " << row.source);
    try {
      CHECK(Template(row.source).render(nlohmann::ordered_json::parse(row.context)) == std::string(row.want));
    } catch (const std::exception& e) {
      FAIL_CHECK("threw: " << e.what());
    }
  }
}

TEST_CASE("whitespace options can be turned off") {
  TemplateOptions plain;
  plain.lexer.trim_blocks = false;
  plain.lexer.lstrip_blocks = false;
  plain.lexer.keep_trailing_newline = true;
  CHECK(Template("  {% if true %}\nx\n{% endif %}\n", plain).render(nlohmann::ordered_json::object()) ==
        "  \nx\n\n");
}

}  // namespace vllmctl::jinja
