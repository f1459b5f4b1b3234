// The Jinja value model, shaped after the Python objects jinja2 works on: undefined,
// None, bool, int, float, str (UTF-8), list/tuple and dict (shared, so a namespace or a
// list seen through two names is one object, as in Python), and callables.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vllmctl::jinja {

class Value;
struct List;
class Dict;
struct Callable;
struct CallArgs;

// A native function: receives evaluated arguments; throws Failure on bad input.
using NativeFn = std::function<Value(CallArgs&)>;

class Value {
 public:
  enum class Kind : std::uint8_t {
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    List,
    Dict,
    Callable
  };

  Value() : v_(Undef{}) {}  // undefined, no name
  Value(bool b) : v_(b) {}
  Value(int i) : v_(std::int64_t{i}) {}
  Value(std::int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}

  // An undefined value that remembers what was looked up, for error messages
  // ("'foo' is undefined", "'dict object' has no attribute 'bar'").
  static Value undefined(std::string hint) {
    Value v;
    v.v_ = Undef{std::move(hint)};
    return v;
  }
  static Value none() {
    Value v;
    v.v_ = nullptr;
    return v;
  }
  // Throws Failure when the result would nest deeper than kMaxNesting.
  static Value list(std::vector<Value> items = {}, bool tuple = false);
  static Value dict();
  static Value namespace_object();
  static Value callable(std::string name, NativeFn fn);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  // int, float or bool (bool is an int in Python).
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_callable() const { return kind() == Kind::Callable; }

  bool as_bool() const { return std::get<bool>(v_); }
  // REQUIRES: is_int() or is_bool().
  std::int64_t as_int() const {
    return is_bool() ? std::get<bool>(v_) : std::get<std::int64_t>(v_);
  }
  // REQUIRES: is_number().
  double as_float() const {
    return is_float() ? std::get<double>(v_) : static_cast<double>(as_int());
  }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  List& as_list() const { return *std::get<std::shared_ptr<List>>(v_); }
  Dict& as_dict() const { return *std::get<std::shared_ptr<Dict>>(v_); }
  const Callable& as_callable() const { return *std::get<std::shared_ptr<Callable>>(v_); }
  const std::string& undefined_hint() const { return std::get<Undef>(v_).hint; }
  // Identity of a shared list/dict/callable (Python `is`); nullptr for the others.
  const void* identity() const;
  // Container nesting: 0 for scalars, 1 for a flat list or dict, ...
  int depth() const;

 private:
  struct Undef {
    std::string hint;
  };
  std::variant<Undef, std::nullptr_t, bool, std::int64_t, double, std::string,
               std::shared_ptr<List>, std::shared_ptr<Dict>, std::shared_ptr<Callable>>
      v_;
};

// Containers nest at most this deep (Python's repr and json.dumps would hit their
// recursion limit), so printing and destroying a value never exhausts the stack.
inline constexpr int kMaxNesting = 512;
// Strings a template builds stay below this (64 MiB); longer ones are a Failure.
inline constexpr std::size_t kMaxStringBytes = 64u << 20;

struct List {
  std::vector<Value> items;
  bool tuple = false;  // renders as (a, b) instead of [a, b]
  int depth = 1;       // 1 + the deepest container inside
};

// An insertion-ordered dict (Python 3.7+). Also the namespace() object and `loop`.
class Dict {
 public:
  using Entry = std::pair<Value, Value>;
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);  // throws Failure past kMaxNesting
  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }
  bool is_namespace = false;  // attribute assignment allowed; renders as <Namespace ...>
  int depth() const { return depth_; }

 private:
  std::vector<Entry> entries_;
  int depth_ = 1;
};

struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;

  // The argument at position `pos` or keyword `name`, or `fallback` when absent.
  Value get(std::size_t pos, std::string_view name, Value fallback = Value()) const;
  const Value* kwarg(std::string_view name) const;
};

struct Callable {
  std::string name;
  NativeFn fn;
};

// Python semantics shared by the evaluator, filters and tests.
bool truthy(const Value& v);
bool equals(const Value& a, const Value& b);  // ==
// <0, 0, >0 for ordered values; throws Failure for types Python cannot order.
int compare(const Value& a, const Value& b);
// Python's type name: 'str', 'int', 'dict', 'NoneType', ... ('tuple' for tuples).
std::string type_name(const Value& v);
// len(): code points for str; throws Failure for values without a length.
std::size_t length(const Value& v);
// Iteration as Python does it: list items, dict keys, str characters; undefined is empty.
std::vector<Value> iterate(const Value& v);
// `needle in haystack`.
bool contains(const Value& haystack, const Value& needle);

}  // namespace vllmctl::jinja
