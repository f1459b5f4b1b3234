// Python semantics of the Jinja values: truthiness, ==, ordering, len, iteration, `in`.
#include "engine/text/jinja/value.h"

#include <algorithm>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja {

Value Value::list(std::vector<Value> items, bool tuple) {
  Value v;
  auto l = std::make_shared<List>();
  for (const Value& item : items) l->depth = std::max(l->depth, item.depth() + 1);
  if (l->depth > kMaxNesting) throw Failure("value nested too deeply");
  l->items = std::move(items);
  l->tuple = tuple;
  v.v_ = std::move(l);
  return v;
}

Value Value::dict() {
  Value v;
  v.v_ = std::make_shared<Dict>();
  return v;
}

Value Value::namespace_object() {
  Value v = dict();
  v.as_dict().is_namespace = true;
  return v;
}

Value Value::callable(std::string name, NativeFn fn) {
  Value v;
  v.v_ = std::make_shared<Callable>(Callable{std::move(name), std::move(fn)});
  return v;
}

const void* Value::identity() const {
  switch (kind()) {
    case Kind::List:
      return std::get<std::shared_ptr<List>>(v_).get();
    case Kind::Dict:
      return std::get<std::shared_ptr<Dict>>(v_).get();
    case Kind::Callable:
      return std::get<std::shared_ptr<Callable>>(v_).get();
    default:
      return nullptr;
  }
}

int Value::depth() const {
  switch (kind()) {
    case Kind::List:
      return as_list().depth;
    case Kind::Dict:
      return as_dict().depth();
    default:
      return 0;
  }
}

const Value* Dict::find(const Value& key) const {
  for (const auto& e : entries_) {
    if (equals(e.first, key)) return &e.second;
  }
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.first.is_string() && e.first.as_string() == key) return &e.second;
  }
  return nullptr;
}

void Dict::set(Value key, Value value) {
  int d = std::max(key.depth(), value.depth()) + 1;
  if (d > kMaxNesting) throw Failure("value nested too deeply");
  depth_ = std::max(depth_, d);
  for (auto& e : entries_) {
    if (equals(e.first, key)) {
      e.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

const Value* CallArgs::kwarg(std::string_view name) const {
  for (const auto& kv : kwargs) {
    if (kv.first == name) return &kv.second;
  }
  return nullptr;
}

Value CallArgs::get(std::size_t pos, std::string_view name, Value fallback) const {
  if (pos < args.size()) return args[pos];
  if (const Value* v = kwarg(name)) return *v;
  return fallback;
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
      return false;
    case Value::Kind::Bool:
      return v.as_bool();
    case Value::Kind::Int:
      return v.as_int() != 0;
    case Value::Kind::Float:
      return v.as_float() != 0.0;
    case Value::Kind::String:
      return !v.as_string().empty();
    case Value::Kind::List:
      return !v.as_list().items.empty();
    case Value::Kind::Dict:
      return v.as_dict().size() != 0;
    case Value::Kind::Callable:
      return true;
  }
  return false;
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
      return true;
    case Value::Kind::String:
      return a.as_string() == b.as_string();
    case Value::Kind::List: {
      const List& x = a.as_list();
      const List& y = b.as_list();
      if (x.tuple != y.tuple || x.items.size() != y.items.size()) return false;
      for (std::size_t i = 0; i < x.items.size(); ++i) {
        if (!equals(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Value::Kind::Dict: {
      const Dict& x = a.as_dict();
      const Dict& y = b.as_dict();
      if (x.is_namespace || y.is_namespace) return a.identity() == b.identity();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries()) {
        const Value* other = y.find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    case Value::Kind::Callable:
      return a.identity() == b.identity();
    default:
      return false;
  }
}

int compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      double x = a.as_float(), y = b.as_float();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    auto x = a.as_int(), y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.as_list().tuple == b.as_list().tuple) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_undefined() || b.is_undefined()) {
    throw Failure("'" + (a.is_undefined() ? a : b).undefined_hint() + "' is undefined");
  }
  throw Failure("'<' not supported between instances of '" + type_name(a) + "' and '" +
                type_name(b) + "'");
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return "Undefined";
    case Value::Kind::None:
      return "NoneType";
    case Value::Kind::Bool:
      return "bool";
    case Value::Kind::Int:
      return "int";
    case Value::Kind::Float:
      return "float";
    case Value::Kind::String:
      return "str";
    case Value::Kind::List:
      return v.as_list().tuple ? "tuple" : "list";
    case Value::Kind::Dict:
      return v.as_dict().is_namespace ? "Namespace" : "dict";
    case Value::Kind::Callable:
      return "function";
  }
  return "object";
}

std::size_t length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return 0;
    case Value::Kind::String:
      return utf8::count(v.as_string());
    case Value::Kind::List:
      return v.as_list().items.size();
    case Value::Kind::Dict:
      return v.as_dict().size();
    default:
      throw Failure("object of type '" + type_name(v) + "' has no len()");
  }
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return {};
    case Value::Kind::List:
      return v.as_list().items;
    case Value::Kind::Dict: {
      std::vector<Value> keys;
      for (const auto& e : v.as_dict().entries()) keys.push_back(e.first);
      return keys;
    }
    case Value::Kind::String: {
      std::vector<Value> chars;
      for (auto& c : utf8::split_chars(v.as_string())) chars.emplace_back(std::move(c));
      return chars;
    }
    default:
      throw Failure("'" + type_name(v) + "' object is not iterable");
  }
}

bool contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case Value::Kind::Undefined:
      return false;
    case Value::Kind::String:
      if (!needle.is_string()) {
        throw Failure("'in <string>' requires string as left operand, not " + type_name(needle));
      }
      return haystack.as_string().find(needle.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const auto& item : haystack.as_list().items) {
        if (equals(item, needle)) return true;
      }
      return false;
    case Value::Kind::Dict:
      return haystack.as_dict().find(needle) != nullptr;
    default:
      throw Failure("argument of type '" + type_name(haystack) + "' is not iterable");
  }
}

}  // namespace vllmctl::jinja
