// Interpreter behaviour, one table row per feature: template, context (JSON), and the
// output jinja2 (as transformers configures it) gives. Every row was checked against
// Debian's python3-jinja2 3.1.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/text/jinja/template.h"

namespace vllmctl::jinja {
namespace {

struct Row {
  const char* source;
  const char* context;  // a JSON object
  const char* want;
};

std::string render(const char* source, const char* context) {
  return Template(source).render(nlohmann::ordered_json::parse(context));
}

void check_rows(const Row* rows, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    INFO("template: " << rows[i].source);
    try {
      CHECK(render(rows[i].source, rows[i].context) == std::string(rows[i].want));
    } catch (const std::exception& e) {
      FAIL_CHECK("threw: " << e.what());
    }
  }
}

// clang-format off
const Row kExpressions[] = {
  {"{{ 1 + 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }}", "{}", "3 3 -4 2 3.5 1024"},
  {"{{ 1.5 * 2 }} {{ 10 / 5 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 2 ** -1 }}", "{}", "3.0 2.0 0.30000000000000004 1e+20 1e-05 0.5"},
  {"{{ true + 1 }}{{ 'ab' * 3 }}{{ [1] * 2 }}{{ [1, 2] + [3] }}", "{}", "2ababab[1, 1][1, 2, 3]"},
  {"{{ 'a' ~ 1 ~ none ~ true ~ x }}", "{}", "a1NoneTrue"},
  {"{{ 'abc'[::-1] }}{{ [1,2,3][-1] }}{{ 'abc'[1:] }}{{ [1,2,3,4][1:3] }}{{ [1,2,3,4][::2] }}{{ 'héllo'[1] }}", "{}", "cba3bc[2, 3][1, 3]é"},
  {"{{ 'abc'[5] }}|{{ x[:-1] }}|{{ s[-3:] }}", "{\"x\": [1, 2, 3], \"s\": \"hello\"}", "|[1, 2]|llo"},
  {"{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ 1 == 1.0 }}{{ [1] == [1] }}", "{}", "TrueFalseTrueTrueTrueTrue"},
  {"{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in d }}{{ 'z' not in d }}{{ 1 in x }}", "{\"d\": {\"k\": 1}}", "TrueTrueTrueTrueFalse"},
  {"{{ 'yes' if x else 'no' }}{{ 'yes' if 0 }}|{{ a or 'b' }}{{ a and 'b' }}{{ 1 and 2 }}{{ not a }}", "{\"x\": [0]}", "yes|b2True"},
  {"{{ none }}{{ None }}{{ true }}{{ True }}{{ false }}{{ [1, 'a', none, 1.0] }}{{ {'a': none, 'b': 1.0} }}{{ (1,) }}{{ (1, 'x') }}", "{}", "NoneNoneTrueTrueFalse[1, 'a', None, 1.0]{'a': None, 'b': 1.0}(1,)(1, 'x')"},
  {"{{ [\"it's\", 'say \"hi\"', 'back\\\\slash\\n'] }}", "{}", "[\"it's\", 'say \"hi\"', 'back\\\\slash\\n']"},
  {"{{ d.a }}{{ d['a'] }}{{ d.missing }}|{{ d.items is defined }}|{{ l.0 }}{{ n.x }}", "{\"d\": {\"a\": 1}, \"l\": [5], \"n\": null}", "11|True|5"},
  {"{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 3) }}{{ d.keys() | list }}{{ d.values() | list }}{{ d.items() | list }}", "{\"d\": {\"a\": 1, \"b\": 2}}", "1None3['a', 'b'][1, 2][('a', 1), ('b', 2)]"},
  {"{{ ' x '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a '.lstrip() }}|{{ ' a '.rstrip() }}|{{ 'a b  c'.split() }}{{ 'a,b,c'.split(',', 1) }}{{ 'a,b,c'.rsplit(',', 1) }}", "{}", "x|a|a | a|['a', 'b', 'c']['a', 'b,c']['a,b', 'c']"},
  {"{{ 'Hello'.startswith('He') }}{{ 'Hello'.endswith(('x', 'lo')) }}{{ 'hello world'.title() }}{{ 'hELLO'.capitalize() }}{{ 'ab'.upper() }}{{ 'AB'.lower() }}", "{}", "TrueTrueHello WorldHelloABab"},
  {"{{ 'banana'.find('an') }}{{ 'banana'.rfind('an') }}{{ 'banana'.count('a') }}{{ 'a-b'.replace('-', '+') }}{{ '{}, {name}!'.format('Hi', name='Bob') }}{{ ', '.join(['a', 'b']) }}", "{}", "133a+bHi, Bob!a, b"},
  {"{{ '  x '|trim }}|{{ 'x--'|trim('-') }}|{{ 'hello world-wide (yes)'|title }}|{{ 'hELLO'|capitalize }}|{{ 'a'|upper }}{{ 'B'|lower }}", "{}", "x|x|Hello World-Wide (Yes)|Hello|Ab"},
  {"{{ [1, 2, 3]|length }}{{ 'héllo'|length }}{{ d|length }}{{ x|length }}{{ [1, 2]|count }}", "{\"d\": {\"a\": 1}}", "35102"},
  {"{{ [1, 2, 3]|join('-') }}|{{ users|join(', ', attribute='name') }}|{{ [1, 2]|first }}{{ [1, 2]|last }}{{ 'abc'|list }}", "{\"users\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}", "1-2-3|a, b|12['a', 'b', 'c']"},
  {"{{ x|default('d') }}{{ ''|default('e') }}{{ ''|default('f', true) }}{{ none|d('g') }}{{ 0|d('h', boolean=true) }}", "{}", "dfNoneh"},
  {"{{ d|items|list }}{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}{{ d|dictsort }}{{ x|items|list }}", "{\"d\": {\"b\": 1, \"a\": 2}}", "[('b', 1), ('a', 2)]b=1;a=2;[('a', 2), ('b', 1)][]"},
  {"{{ users|map(attribute='name')|list }}{{ ['a', 'b']|map('upper')|list }}{{ users|map(attribute='age', default=0)|list }}", "{\"users\": [{\"name\": \"x\", \"age\": 3}, {\"name\": \"y\"}]}", "['x', 'y']['A', 'B'][3, 0]"},
  {"{{ [1, 0, 2]|select|list }}{{ [1, 2, 3, 4]|select('odd')|list }}{{ [1, 2, 3]|reject('equalto', 2)|list }}{{ [1, 5, 10]|select('>', 4)|list }}", "{}", "[1, 2][1, 3][1, 3][5, 10]"},
  {"{{ m|selectattr('role', 'equalto', 'user')|map(attribute='c')|list }}{{ m|rejectattr('role', 'eq', 'user')|list|length }}{{ m|selectattr('flag')|list|length }}", "{\"m\": [{\"role\": \"user\", \"c\": 1}, {\"role\": \"bot\", \"c\": 2, \"flag\": true}, {\"role\": \"user\", \"c\": 3}]}", "[1, 3]11"},
  {"{{ '12'|int + 1 }}{{ '1.9'|int }}{{ 'x'|int }}{{ 'x'|int(7) }}{{ '2.5'|float }}{{ 3|float }}{{ -3|abs }}{{ 2.5|round }}{{ 3.14159|round(2) }}{{ 2.1|round(0, 'ceil') }}", "{}", "131072.53.032.03.143.0"},
  {"{{ 1|string ~ 'x' }}{{ [1]|string }}{{ 'a&<>\"\\''|e }}{{ '<b>'|safe }}{{ 'a-b-c'|replace('-', '+', 1) }}", "{}", "1x[1]a&amp;&lt;&gt;&#34;&#39;<b>a+b-c"},
  {"{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width='> ', blank=true) }}", "{}", "a\n  b\n\n  c|  a\n  b|a\n> \n> b"},
  {"{{ [3, 1, 2]|sort }}{{ ['b', 'A', 'c']|sort }}{{ [3, 1, 2]|sort(reverse=true) }}{{ u|sort(attribute='n')|map(attribute='n')|list }}{{ [1, 2, 1, 'a', 'A']|unique|list }}", "{\"u\": [{\"n\": 2}, {\"n\": 1}]}", "[1, 2, 3]['A', 'b', 'c'][3, 2, 1][1, 2][1, 2, 'a']"},
  {"{{ [1, 2, 3]|sum }}{{ [1, 5, 3]|max }}{{ [4, 2]|min }}{{ [1, 2]|reverse|list }}{{ 'abc'|reverse }}{{ [1, 2, 3]|batch(2)|list }}{{ '%s-%d'|format('a', 3) }}", "{}", "652[2, 1]cba[[1, 2], [3]]a-3"},
  {"{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ [1, 'é', none, true, 1.0]|tojson }}|{{ {}|tojson }}{{ []|tojson(indent=2) }}", "{\"d\": {\"b\": 1, \"a\": [1, {\"c\": \"q\\\"\"}]}}", "{\"b\": 1, \"a\": [1, {\"c\": \"q\\\"\"}]}|{\n  \"b\": 1,\n  \"a\": [\n    1,\n    {\n      \"c\": \"q\\\"\"\n    }\n  ]\n}|[1, \"é\", null, true, 1.0]|{}[]"},
  {"{{ d|tojson(sort_keys=true) }}{{ d|tojson(separators=(',', ':')) }}{{ 'é\\n'|tojson(true) }}", "{\"d\": {\"b\": 1, \"a\": 2}}", "{\"a\": 2, \"b\": 1}{\"b\":1,\"a\":2}\"\\u00e9\\n\""},
  {"{{ x is defined }}{{ y is undefined }}{{ n is none }}{{ 's' is string }}{{ 1 is number }}{{ true is number }}{{ true is integer }}{{ 1.0 is float }}{{ true is boolean }}", "{\"x\": 1, \"n\": null}", "TrueTrueTrueTrueTrueTrueFalseTrueTrue"},
  {"{{ d is mapping }}{{ l is mapping }}{{ l is iterable }}{{ 's' is iterable }}{{ 1 is iterable }}{{ u is iterable }}{{ l is sequence }}{{ range is callable }}", "{\"d\": {}, \"l\": []}", "TrueFalseTrueTrueFalseTrueTrueTrue"},
  {"{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 2 is in [1, 2] }}{{ 1 is eq 1 }}{{ 1 is ne 1 }}{{ 1 is lt 2 }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ x is not none }}", "{}", "TrueFalseTrueFalseTrueTrueFalseTrueTrueFalseTrueTrue"},
  {"{{ range(3)|list }}{{ range(1, 10, 3)|list }}{{ range(3, 0, -1)|list }}{{ dict(a=1, b=2) }}{{ namespace(a=1).a }}", "{}", "[0, 1, 2][1, 4, 7][3, 2, 1]{'a': 1, 'b': 2}1"},
  {"{{ strftime_now('%Y-%m-%d %b') }}", "{}", "2025-02-20 Feb"},
  {"{{ 'héllo wörld ß'|upper }}|{{ 'ÀÉÎ ΑΣΑ Привет'|lower }}|{{ 'élan vital'|title }}|{{ 'élan'|capitalize }}|{{ 'ÿes'.title() }}", "{}", "HÉLLO WÖRLD SS|àéî ασα привет|Élan Vital|Élan|Ÿes"},
  {"{{ 'Hello World'|truncate(5) }}|{{ 'Hello big world'|truncate(12, leeway=0) }}|{{ 'abcdefghij'|truncate(6, true, leeway=0) }}|{{ 'short'|truncate(3, leeway=5) }}", "{}", "He...|Hello...|abc...|short"},
  {"[{{ 'ab'|center(7) }}][{{ 'ab'|center(6) }}]{{ 'one two  three_four'|wordcount }}", "{}", "[   ab  ][  ab  ]3"},
  {"{{ 2.675|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ -0.5|round }} {{ 7|round }} {{ 1234|round(-2) }} {{ 2|round(0, 'ceil') }}", "{}", "2.67 2.0 4.0 -0.0 7 1200 2.0"},
  {"{{ '0x1A'|int }} {{ ' 42 '|int }} {{ '4.9'|int }} {{ 0x1A }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }}", "{}", "0 42 4 26 15 5 1000"},
};

const Row kStatements[] = {
  {"{% for x in [1, 2, 3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", "{}", "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;"},
  {"{% for x in 'abc' %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}|{% endfor %}", "{}", "<a>b|a<b>c|b<c>|"},
  {"{% for x in [] %}no{% else %}empty{% endfor %}{% for x in [1] %}{{ x }}{% else %}no{% endfor %}{% for x in u %}{% else %}u{% endfor %}", "{}", "empty1u"},
  {"{% for k in d %}{{ k }}{% endfor %}{% for a, b in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %}{% for (a, b) in d.items() %}{{ a }}{{ b }}{% endfor %}", "{\"d\": {\"x\": 1, \"y\": 2}}", "xy37x1y2"},
  {"{% for x in range(10) if x is odd %}{{ x }}{{ loop.length }} {% endfor %}", "{}", "15 35 55 75 95 "},
  {"{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", "{}", "013"},
  {"{% for i in [1, 2] %}{% for j in 'ab' %}{{ loop.index }}{{ i }}{{ j }} {% endfor %}{{ loop.index }}|{% endfor %}", "{}", "11a 21b 1|12a 22b 2|"},
  {"{% for x in [1, 2] %}{{ loop.cycle('odd', 'even') }}{% endfor %}", "{}", "oddeven"},
  {"{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %}{% if y %}y{% endif %}", "{\"x\": 2}", "two"},
  {"{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i + 10 %}{{ x }};{% endfor %}{{ x }}", "{}", "111;112;1"},
  {"{% set ns = namespace(total=0, items=[]) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% set ns.items = ns.items + [i] %}{% endfor %}{{ ns.total }}{{ ns.items }}", "{}", "6[1, 2, 3]"},
  {"{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}{% set block %}x{{ a }}y{% endset %}{{ block }}{% set up | upper %}abc{% endset %}{{ up }}", "{}", "12(1, 2)x1yABC"},
  {"{% set messages = messages[1:] %}{{ messages|length }}{% if true %}{% set z = 5 %}{% endif %}{{ z }}", "{\"messages\": [1, 2, 3]}", "25"},
  {"{% macro m(a, b=2) %}{{ a }}{{ b }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1) }}{{ m(1, 3, 4, c=5) }}{{ m(b=7, a=6) }}", "{}", "12(){}13(4,){'c': 5}67(){}"},
  {"{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}inside {{ v }}{% endcall %}{% macro list(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(item) list([1, 2]) %}<{{ item }}>{% endcall %}", "{\"v\": 1}", "[inside 1]<1><2>"},
  {"{% macro rec(n) %}{% if n > 0 %}{{ n }}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ rec(3) }}", "{}", "321"},
  {"{% filter upper %}abc {{ x }}{% endfilter %}|{% filter trim|upper %}  y  {% endfilter %}", "{\"x\": \"d\"}", "ABC D|Y"},
  {"a{# comment #}b{% raw %}{{ not parsed }}{% endraw %}c", "{}", "ab{{ not parsed }}c"},
  {"{% generation %}gen{{ 1 }}{% endgeneration %}", "{}", "gen1"},
  {"{{ x.y }}{{ x['y'] }}{% if x.y is defined %}d{% endif %}", "{\"x\": {}}", ""},
};
// clang-format on

}  // namespace

TEST_CASE("expressions, filters and tests behave as in jinja2") {
  for (const Row& row : kExpressions) {
    INFO("template: " << row.source);
    try {
      RenderOptions opts;
      std::tm tm{};
      tm.tm_year = 125;
      tm.tm_mon = 1;
      tm.tm_mday = 20;
      opts.now = tm;
      CHECK(Template(row.source).render(nlohmann::ordered_json::parse(row.context), opts) ==
            std::string(row.want));
    } catch (const std::exception& e) {
      FAIL_CHECK("threw: " << e.what());
    }
  }
}

TEST_CASE("statements behave as in jinja2") {
  check_rows(kStatements, sizeof kStatements / sizeof kStatements[0]);
}

}  // namespace vllmctl::jinja
