// Arithmetic and slicing with Python semantics: int/float promotion, floor division
// and modulo toward negative infinity, str/list concatenation and repetition.
#include <cmath>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja {
namespace {

constexpr std::size_t kMaxResultBytes = 64u << 20;  // a guard against `'x' * 10**12`

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  throw Failure("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" +
                type_name(b) + "'");
}

Value repeat(const Value& seq, std::int64_t times) {
  if (times < 0) times = 0;
  if (seq.is_string()) {
    if (times > 0 && seq.as_string().size() > kMaxResultBytes / static_cast<std::size_t>(times)) {
      throw Failure("result too large");
    }
    std::string out;
    for (std::int64_t i = 0; i < times; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  const List& l = seq.as_list();
  if (times > 0 && l.items.size() > kMaxResultBytes / 16 / static_cast<std::size_t>(times)) {
    throw Failure("result too large");
  }
  std::vector<Value> out;
  for (std::int64_t i = 0; i < times; ++i) out.insert(out.end(), l.items.begin(), l.items.end());
  return Value::list(std::move(out), l.tuple);
}

std::int64_t checked(bool overflow, const std::int64_t& v) {
  if (overflow) throw Failure("integer overflow");
  return v;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  bool nums = a.is_number() && b.is_number();
  bool ints = nums && !a.is_float() && !b.is_float();
  if (op == "+") {
    if (ints) {
      std::int64_t r;
      return Value(checked(__builtin_add_overflow(a.as_int(), b.as_int(), &r), r));
    }
    if (nums) return Value(a.as_float() + b.as_float());
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > kMaxResultBytes)
        throw Failure("result too large");
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.as_list().tuple == b.as_list().tuple) {
      if (a.as_list().items.size() + b.as_list().items.size() > kMaxResultBytes / 16) {
        throw Failure("result too large");
      }
      std::vector<Value> items = a.as_list().items;
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return Value::list(std::move(items), a.as_list().tuple);
    }
    if (a.is_string()) {
      throw Failure("can only concatenate str (not \"" + type_name(b) + "\") to str");
    }
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      std::int64_t r;
      return Value(checked(__builtin_sub_overflow(a.as_int(), b.as_int(), &r), r));
    }
    if (nums) return Value(a.as_float() - b.as_float());
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      std::int64_t r;
      return Value(checked(__builtin_mul_overflow(a.as_int(), b.as_int(), &r), r));
    }
    if (nums) return Value(a.as_float() * b.as_float());
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(a, b.as_int());
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(b, a.as_int());
    unsupported(op, a, b);
  }
  if (!nums) {
    if (op == "%" && a.is_string())
      throw Failure("printf-style string formatting is not supported");
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (b.as_float() == 0) throw Failure("division by zero");
    return Value(a.as_float() / b.as_float());
  }
  if (op == "//" || op == "%") {
    if (ints) {
      if (b.as_int() == 0) throw Failure("integer division or modulo by zero");
      if (a.as_int() == INT64_MIN && b.as_int() == -1) {
        return op == "//" ? Value(static_cast<double>(a.as_int()) * -1.0) : Value(0);
      }
      std::int64_t q = floor_div(a.as_int(), b.as_int());
      return op == "//" ? Value(q) : Value(a.as_int() - q * b.as_int());
    }
    double x = a.as_float(), y = b.as_float();
    if (y == 0) throw Failure(op == "//" ? "float floor division by zero" : "float modulo");
    if (op == "//") return Value(std::floor(x / y));
    double m = std::fmod(x, y);
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    return Value(m);
  }
  if (op == "**") {
    if (ints && b.as_int() >= 0) {
      std::int64_t result = 1, base = a.as_int();
      for (std::int64_t e = b.as_int(); e > 0; e >>= 1) {
        if (e & 1) checked(__builtin_mul_overflow(result, base, &result), 0);
        if (e > 1) checked(__builtin_mul_overflow(base, base, &base), 0);
      }
      return Value(result);
    }
    return Value(std::pow(a.as_float(), b.as_float()));
  }
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_float()) return Value(-v.as_float());
  if (v.is_number()) {
    if (v.as_int() == INT64_MIN) throw Failure("integer overflow");
    return Value(-v.as_int());
  }
  throw Failure("bad operand type for unary -: '" + type_name(v) + "'");
}

static std::int64_t slice_index(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  throw Failure("slice indices must be integers or None");
}

Value slice(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (!obj.is_string() && !obj.is_list()) {
    throw Failure("'" + type_name(obj) + "' object is not subscriptable");
  }
  std::int64_t step = step_v.is_none() ? 1 : slice_index(step_v);
  if (step == 0) throw Failure("slice step cannot be zero");
  std::vector<std::string> chars;
  if (obj.is_string()) chars = utf8::split_chars(obj.as_string());
  auto n = static_cast<std::int64_t>(obj.is_string() ? chars.size() : obj.as_list().items.size());
  auto adjust = [&](const Value& v, std::int64_t fallback) {
    if (v.is_none()) return fallback;
    std::int64_t i = slice_index(v);
    if (i < 0) {
      i += n;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= n) {
      i = step < 0 ? n - 1 : n;
    }
    return i;
  };
  std::int64_t start = adjust(start_v, step < 0 ? n - 1 : 0);
  std::int64_t stop = adjust(stop_v, step < 0 ? -1 : n);
  if (obj.is_string()) {
    std::string out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      out += chars[static_cast<std::size_t>(i)];
    }
    return Value(std::move(out));
  }
  std::vector<Value> out;
  const auto& items = obj.as_list().items;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push_back(items[static_cast<std::size_t>(i)]);
  }
  return Value::list(std::move(out), obj.as_list().tuple);
}

}  // namespace vllmctl::jinja
