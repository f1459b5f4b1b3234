// The built-in tests (`x is defined`, `n is divisibleby 3`), after jinja2's tests.py.
#include <map>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/py_format.h"
#include "engine/text/jinja/py_str.h"

namespace vllmctl::jinja {
namespace {

using TestFn = bool (*)(Interpreter&, const Value&, CallArgs&);

bool t_defined(Interpreter&, const Value& v, CallArgs&) { return !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, CallArgs&) { return v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, CallArgs&) { return v.is_none(); }
bool t_string(Interpreter&, const Value& v, CallArgs&) { return v.is_string(); }
bool t_number(Interpreter&, const Value& v, CallArgs&) { return v.is_number(); }
bool t_integer(Interpreter&, const Value& v, CallArgs&) { return v.is_int(); }
bool t_float(Interpreter&, const Value& v, CallArgs&) { return v.is_float(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs&) { return v.is_bool(); }
bool t_true(Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); }
bool t_false(Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); }
bool t_mapping(Interpreter&, const Value& v, CallArgs&) {
  return v.is_dict() && !v.as_dict().is_namespace;
}
// Undefined is iterable (empty) and a sequence in jinja2, as its class defines both.
bool t_iterable(Interpreter&, const Value& v, CallArgs&) {
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
}
bool t_sequence(Interpreter& in, const Value& v, CallArgs& a) { return t_iterable(in, v, a); }
bool t_callable(Interpreter&, const Value& v, CallArgs&) { return v.is_callable(); }

std::int64_t int_of(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_int() && !v.is_bool())
    throw Failure("unsupported operand type(s) for %: '" + type_name(v) + "' and 'int'");
  return v.as_int();
}
bool t_odd(Interpreter&, const Value& v, CallArgs&) { return int_of(v) % 2 != 0; }
bool t_even(Interpreter&, const Value& v, CallArgs&) { return int_of(v) % 2 == 0; }
bool t_divisibleby(Interpreter&, const Value& v, CallArgs& a) {
  return truthy(binary_op("%", v, a.get(0, "num"))) == false;
}

bool t_in(Interpreter&, const Value& v, CallArgs& a) { return contains(a.get(0, "seq"), v); }
bool t_eq(Interpreter&, const Value& v, CallArgs& a) { return equals(v, a.get(0, "other")); }
bool t_ne(Interpreter&, const Value& v, CallArgs& a) { return !equals(v, a.get(0, "other")); }
bool t_lt(Interpreter&, const Value& v, CallArgs& a) { return compare(v, a.get(0, "other")) < 0; }
bool t_le(Interpreter&, const Value& v, CallArgs& a) { return compare(v, a.get(0, "other")) <= 0; }
bool t_gt(Interpreter&, const Value& v, CallArgs& a) { return compare(v, a.get(0, "other")) > 0; }
bool t_ge(Interpreter&, const Value& v, CallArgs& a) { return compare(v, a.get(0, "other")) >= 0; }
bool t_lower(Interpreter&, const Value& v, CallArgs&) {
  std::string s = to_str(v);
  return py::lower(s) == s && py::upper(s) != s;
}
bool t_upper(Interpreter&, const Value& v, CallArgs&) {
  std::string s = to_str(v);
  return py::upper(s) == s && py::lower(s) != s;
}
bool t_sameas(Interpreter&, const Value& v, CallArgs& a) {
  Value other = a.get(0, "other");
  if (v.identity() || other.identity()) return v.identity() == other.identity();
  return v.kind() == other.kind() &&
         (v.is_none() || v.is_undefined() || (v.is_bool() && v.as_bool() == other.as_bool()));
}
bool t_escaped(Interpreter&, const Value&, CallArgs&) { return false; }

const std::map<std::string, TestFn, std::less<>>& registry() {
  static const std::map<std::string, TestFn, std::less<>> tests = {
      {"defined", t_defined},
      {"undefined", t_undefined},
      {"none", t_none},
      {"string", t_string},
      {"number", t_number},
      {"integer", t_integer},
      {"float", t_float},
      {"boolean", t_boolean},
      {"true", t_true},
      {"false", t_false},
      {"mapping", t_mapping},
      {"iterable", t_iterable},
      {"sequence", t_sequence},
      {"callable", t_callable},
      {"odd", t_odd},
      {"even", t_even},
      {"divisibleby", t_divisibleby},
      {"in", t_in},
      {"eq", t_eq},
      {"equalto", t_eq},
      {"==", t_eq},
      {"ne", t_ne},
      {"!=", t_ne},
      {"lt", t_lt},
      {"lessthan", t_lt},
      {"<", t_lt},
      {"le", t_le},
      {"<=", t_le},
      {"gt", t_gt},
      {"greaterthan", t_gt},
      {">", t_gt},
      {"ge", t_ge},
      {">=", t_ge},
      {"lower", t_lower},
      {"upper", t_upper},
      {"sameas", t_sameas},
      {"escaped", t_escaped},
  };
  return tests;
}

}  // namespace

bool has_test(const std::string& name) { return registry().count(name) != 0; }

bool run_test(Interpreter& in, const std::string& name, const Value& v, CallArgs& args) {
  return registry().find(name)->second(in, v, args);
}

}  // namespace vllmctl::jinja
