// Expression evaluation, attribute/item lookup in jinja2's order, and calls.
#include <stdexcept>
#include <variant>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/py_format.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja {

namespace {
constexpr int kMaxCallDepth = 200;

struct DepthGuard {
  explicit DepthGuard(int& d) : depth(d) {
    if (++depth > kMaxCallDepth) {
      --depth;
      throw Failure("maximum recursion depth exceeded");
    }
  }
  ~DepthGuard() { --depth; }
  int& depth;
};

std::string object_name(const Value& v) {
  return v.is_dict() && !v.as_dict().is_namespace ? "dict object" : type_name(v) + " object";
}
}  // namespace

void fail_undefined(const Value& v) {
  const std::string& hint = v.undefined_hint();
  throw Failure(hint.empty() ? "undefined value" : hint);
}

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
  try {
    return eval_inner(e, scope);
  } catch (const Failure& f) {
    throw Error(name_, e.line, e.col, f.what());
  } catch (
      const std::bad_variant_access&) {  // a filter or method got an argument of the wrong type
    throw Error(name_, e.line, e.col, "invalid argument type");
  } catch (const std::logic_error& x) {
    throw Error(name_, e.line, e.col, std::string("invalid argument: ") + x.what());
  }
}

CallArgs Interpreter::eval_args(const Expr& e, std::size_t first, const ScopePtr& scope) {
  CallArgs out;
  std::size_t num_positional = e.args.size() - first - e.kwnames.size();
  for (std::size_t i = 0; i < num_positional; ++i)
    out.args.push_back(eval(*e.args[first + i], scope));
  for (std::size_t k = 0; k < e.kwnames.size(); ++k) {
    out.kwargs.emplace_back(e.kwnames[k], eval(*e.args[first + num_positional + k], scope));
  }
  return out;
}

Value Interpreter::apply_filter_chain(const Expr& chain, Value subject, const ScopePtr& scope) {
  if (chain.args[0]) subject = apply_filter_chain(*chain.args[0], std::move(subject), scope);
  CallArgs args = eval_args(chain, 1, scope);
  try {
    return filter(chain.name, subject, args);
  } catch (const Failure& f) {
    throw Error(name_, chain.line, chain.col, f.what());
  }
}

static bool compare_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return equals(a, b);
  if (op == "!=") return !equals(a, b);
  if (op == "in") return contains(b, a);
  if (op == "notin") return !contains(b, a);
  int c = compare(a, b);
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  return c >= 0;
}

Value Interpreter::eval_inner(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case ExprKind::Literal:
      return e.literal;
    case ExprKind::Name: {
      const Value* v = scope->lookup(e.name);
      return v ? *v : Value::undefined("'" + e.name + "' is undefined");
    }
    case ExprKind::List:
    case ExprKind::Tuple: {
      std::vector<Value> items;
      for (const auto& a : e.args) items.push_back(eval(*a, scope));
      return Value::list(std::move(items), e.kind == ExprKind::Tuple);
    }
    case ExprKind::Dict: {
      Value d = Value::dict();
      for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
        d.as_dict().set(eval(*e.args[i], scope), eval(*e.args[i + 1], scope));
      }
      return d;
    }
    case ExprKind::Attr:
      return get_attr(eval(*e.args[0], scope), e.name);
    case ExprKind::Item:
      return get_item(eval(*e.args[0], scope), eval(*e.args[1], scope));
    case ExprKind::Slice: {
      Value obj = eval(*e.args[0], scope);
      auto part = [&](std::size_t i) {
        return e.args[i] ? eval(*e.args[i], scope) : Value::none();
      };
      return slice(obj, part(1), part(2), part(3));
    }
    case ExprKind::Call: {
      Value callee = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, 1, scope);
      return call(callee, args);
    }
    case ExprKind::Filter: {
      Value subject = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, 1, scope);
      return filter(e.name, subject, args);
    }
    case ExprKind::Test: {
      Value subject = eval(*e.args[0], scope);
      CallArgs args = eval_args(e, 1, scope);
      return Value(test(e.name, subject, args) != e.negated);
    }
    case ExprKind::Not:
      return Value(!truthy(eval(*e.args[0], scope)));
    case ExprKind::Neg:
      return negate(eval(*e.args[0], scope));
    case ExprKind::Pos: {
      Value v = eval(*e.args[0], scope);
      if (v.is_undefined()) fail_undefined(v);
      if (!v.is_number()) throw Failure("bad operand type for unary +: '" + type_name(v) + "'");
      return v.is_bool() ? Value(v.as_int()) : v;
    }
    case ExprKind::Binary: {
      Value a = eval(*e.args[0], scope);
      Value b = eval(*e.args[1], scope);
      if (e.name == "~") {
        std::string joined = to_str(a) + to_str(b);
        if (joined.size() > options_.max_output_bytes) throw Failure("result too large");
        return Value(std::move(joined));
      }
      return binary_op(e.name, a, b);
    }
    case ExprKind::And: {
      Value a = eval(*e.args[0], scope);
      return truthy(a) ? eval(*e.args[1], scope) : a;
    }
    case ExprKind::Or: {
      Value a = eval(*e.args[0], scope);
      return truthy(a) ? a : eval(*e.args[1], scope);
    }
    case ExprKind::Compare: {
      Value left = eval(*e.args[0], scope);
      for (std::size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.args[i + 1], scope);
        if (!compare_op(e.ops[i], left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case ExprKind::Cond:
      if (truthy(eval(*e.args[1], scope))) return eval(*e.args[0], scope);
      if (e.args[2]) return eval(*e.args[2], scope);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
  }
  return Value();
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) fail_undefined(callee);
  if (!callee.is_callable()) throw Failure("'" + type_name(callee) + "' object is not callable");
  DepthGuard guard(depth_);
  return callee.as_callable().fn(args);
}

// jinja2's environment.getattr: the Python attribute (a method) first, then the item.
Value Interpreter::get_attr(const Value& obj, const std::string& attr) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (obj.is_dict()) {
    const Dict& d = obj.as_dict();
    if (!d.is_namespace) {
      if (auto m = method(obj, attr)) return *m;
    }
    if (const Value* v = d.find(std::string_view(attr))) return *v;
    return Value::undefined("'" + object_name(obj) + "' has no attribute '" + attr + "'");
  }
  if (auto m = method(obj, attr)) return *m;
  return Value::undefined("'" + object_name(obj) + "' has no attribute '" + attr + "'");
}

// jinja2's environment.getitem: the item first, then (for string keys) the attribute.
Value Interpreter::get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().find(key)) return *v;
  } else if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    std::int64_t i = key.as_int();
    if (obj.is_list()) {
      const auto& items = obj.as_list().items;
      auto n = static_cast<std::int64_t>(items.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return items[static_cast<std::size_t>(i)];
    } else {
      auto chars = utf8::split_chars(obj.as_string());
      auto n = static_cast<std::int64_t>(chars.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return Value(chars[static_cast<std::size_t>(i)]);
    }
    return Value::undefined("'" + object_name(obj) + "' has no attribute '" + to_str(key) + "'");
  } else if ((obj.is_list() || obj.is_string()) && key.is_list() && key.as_list().tuple) {
    throw Failure(type_name(obj) + " indices must be integers or slices, not tuple");
  }
  if (key.is_string()) {
    if (!obj.is_dict() || !obj.as_dict().is_namespace) {
      if (auto m = method(obj, key.as_string())) return *m;
    }
  }
  return Value::undefined("'" + object_name(obj) + "' has no attribute '" + to_str(key) + "'");
}

Value Interpreter::filter(const std::string& filter_name, const Value& subject, CallArgs& args) {
  if (!has_filter(filter_name)) throw Failure("No filter named '" + filter_name + "'.");
  return run_filter(*this, filter_name, subject, args);
}

bool Interpreter::test(const std::string& test_name, const Value& subject, CallArgs& args) {
  if (!has_test(test_name)) throw Failure("No test named '" + test_name + "'.");
  return run_test(*this, test_name, subject, args);
}

}  // namespace vllmctl::jinja
