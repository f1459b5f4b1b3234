// Methods of str, dict and list that templates call (message.content.strip(),
// d.items(), s.split(',')). Mutating methods are undefined values that raise when
// called, as in jinja2's ImmutableSandboxedEnvironment.
#include <algorithm>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/py_format.h"
#include "engine/text/jinja/py_str.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja {
namespace {

std::optional<std::string> opt_str(const Value& v, const char* what) {
  if (v.is_none() || v.is_undefined()) return std::nullopt;
  if (!v.is_string()) throw Failure(std::string(what) + " arg must be None or str");
  return v.as_string();
}

std::int64_t int_arg(const Value& v, std::int64_t fallback) {
  if (v.is_undefined() || v.is_none()) return fallback;
  if (!v.is_int() && !v.is_bool()) {
    throw Failure("'" + type_name(v) + "' object cannot be interpreted as an integer");
  }
  return v.as_int();
}

const std::string& str_arg(const Value& v) {
  if (!v.is_string()) throw Failure("must be str, not " + type_name(v));
  return v.as_string();
}

Value strings(const std::vector<std::string>& parts) {
  std::vector<Value> out(parts.begin(), parts.end());
  return Value::list(std::move(out));
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& a) {
    const std::string& x = str_arg(a);
    if (x.size() > s.size()) return false;
    return prefix ? s.compare(0, x.size(), x) == 0
                  : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (affix.is_list() && affix.as_list().tuple) {
    return std::any_of(affix.as_list().items.begin(), affix.as_list().items.end(), one);
  }
  return one(affix);
}

// str.format with {} / {0} / {name} fields and {{ }} escapes (no format specs).
std::string format(const std::string& fmt, const CallArgs& a) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}')
        ++i;
      else
        throw Failure("Single '}' encountered in format string");
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    std::size_t close = fmt.find('}', i);
    if (close == std::string::npos) throw Failure("Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!.[") != std::string::npos) {
      throw Failure("format specs are not supported: {" + field + "}");
    }
    Value v;
    if (field.empty()) {
      v = a.get(auto_index++, "\x01");
    } else if (std::all_of(field.begin(), field.end(),
                           [](char d) { return d >= '0' && d <= '9'; })) {
      v = a.get(std::stoul(field), "\x01");
    } else if (const Value* kw = a.kwarg(field)) {
      v = *kw;
    } else {
      throw Failure("KeyError: '" + field + "'");
    }
    if (v.is_undefined()) throw Failure("Replacement index out of range for positional args tuple");
    out += to_str(v);
    check_size(out.size(), kMaxStringBytes);
    i = close;
  }
  return out;
}

Value string_method(const std::string& s, const std::string& name, CallArgs& a) {
  if (name == "startswith" || name == "endswith") {
    return Value(affix_match(s, a.get(0, "prefix"), name == "startswith"));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    return Value(
        py::strip(s, opt_str(a.get(0, "chars"), name.c_str()), name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    return strings(py::split(s, opt_str(a.get(0, "sep"), "sep"), int_arg(a.get(1, "maxsplit"), -1),
                             name == "rsplit"));
  }
  if (name == "splitlines") {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < s.size()) {
      std::size_t nl = s.find_first_of("\n\r", pos);
      if (nl == std::string::npos) {
        lines.push_back(s.substr(pos));
        break;
      }
      lines.push_back(s.substr(pos, nl - pos));
      pos = nl + ((s[nl] == '\r' && nl + 1 < s.size() && s[nl + 1] == '\n') ? 2 : 1);
    }
    return strings(lines);
  }
  if (name == "replace") {
    return Value(py::replace(s, str_arg(a.get(0, "old")), str_arg(a.get(1, "new")),
                             int_arg(a.get(2, "count"), -1)));
  }
  if (name == "upper") return Value(py::upper(s));
  if (name == "lower") return Value(py::lower(s));
  if (name == "title") return Value(py::title(s));
  if (name == "capitalize") return Value(py::capitalize(s));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    const std::string& sub = str_arg(a.get(0, "sub"));
    std::size_t hit = name[0] == 'r' ? s.rfind(sub) : s.find(sub);
    if (hit == std::string::npos) {
      if (name.find("index") != std::string::npos) throw Failure("substring not found");
      return Value(-1);
    }
    return Value(static_cast<std::int64_t>(utf8::count(std::string_view(s).substr(0, hit))));
  }
  if (name == "count") {
    const std::string& sub = str_arg(a.get(0, "sub"));
    if (sub.empty()) return Value(static_cast<std::int64_t>(utf8::count(s) + 1));
    std::int64_t n = 0;
    for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
    return Value(n);
  }
  if (name == "join") {
    std::string out;
    bool first = true;
    for (const Value& item : iterate(a.get(0, "iterable"))) {
      check_size(out.size() + s.size(), kMaxStringBytes);
      if (!first) out += s;
      first = false;
      out += str_arg(item);
    }
    return Value(std::move(out));
  }
  if (name == "format") return Value(format(s, a));
  auto all = [&](auto pred) {
    return Value(!s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
      return pred(static_cast<unsigned char>(c)) != 0;
    }));
  };
  if (name == "isdigit") return all([](unsigned char c) { return std::isdigit(c); });
  if (name == "isalpha") return all([](unsigned char c) { return std::isalpha(c); });
  if (name == "isalnum") return all([](unsigned char c) { return std::isalnum(c); });
  if (name == "isspace") return all([](unsigned char c) { return py::is_space(c); });
  if (name == "islower") return Value(py::lower(s) == s && py::upper(s) != s);
  if (name == "isupper") return Value(py::upper(s) == s && py::lower(s) != s);
  throw Failure("'str' object has no attribute '" + name + "'");
}

bool is_string_method(const std::string& n) {
  static const char* names[] = {
      "startswith", "endswith", "strip",   "lstrip",  "rstrip", "split",      "rsplit",
      "splitlines", "replace",  "upper",   "lower",   "title",  "capitalize", "find",
      "rfind",      "index",    "rindex",  "count",   "join",   "format",     "isdigit",
      "isalpha",    "isalnum",  "isspace", "islower", "isupper"};
  return std::find(std::begin(names), std::end(names), n) != std::end(names);
}

Value dict_method(const Value& self, const std::string& name, CallArgs& a) {
  const Dict& d = self.as_dict();
  if (name == "get") {
    const Value* v = d.find(a.get(0, "key"));
    return v ? *v : a.get(1, "default", Value::none());
  }
  std::vector<Value> out;
  for (const auto& [k, v] : d.entries()) {
    if (name == "items")
      out.push_back(Value::list({k, v}, true));
    else if (name == "keys")
      out.push_back(k);
    else
      out.push_back(v);
  }
  return Value::list(std::move(out));
}

Value list_method(const Value& self, const std::string& name, CallArgs& a) {
  const auto& items = self.as_list().items;
  Value x = a.get(0, "value");
  if (name == "count") {
    return Value(static_cast<std::int64_t>(
        std::count_if(items.begin(), items.end(), [&](const Value& v) { return equals(v, x); })));
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (equals(items[i], x)) return Value(static_cast<std::int64_t>(i));
  }
  throw Failure(repr(x) + " is not in list");
}

// What the sandbox gives for a mutating method: an undefined that raises when called.
Value unsafe(const Value& obj, const std::string& name) {
  return Value::undefined("access to attribute '" + name + "' of '" + type_name(obj) +
                          "' object is unsafe.");
}

}  // namespace

std::optional<Value> method(const Value& obj, const std::string& name) {
  if (obj.is_string()) {
    if (!is_string_method(name)) return std::nullopt;
    std::string s = obj.as_string();
    return Value::callable(name, [s, name](CallArgs& a) { return string_method(s, name, a); });
  }
  if (obj.is_dict() && !obj.as_dict().is_namespace) {
    if (name == "get" || name == "items" || name == "keys" || name == "values") {
      return Value::callable(name, [obj, name](CallArgs& a) { return dict_method(obj, name, a); });
    }
    if (name == "update" || name == "pop" || name == "popitem" || name == "setdefault" ||
        name == "clear") {
      return unsafe(obj, name);
    }
    return std::nullopt;
  }
  if (obj.is_list()) {
    if (name == "index" || name == "count") {
      return Value::callable(name, [obj, name](CallArgs& a) { return list_method(obj, name, a); });
    }
    if (!obj.as_list().tuple &&
        (name == "append" || name == "extend" || name == "insert" || name == "pop" ||
         name == "remove" || name == "reverse" || name == "sort" || name == "clear")) {
      return unsafe(obj, name);
    }
  }
  return std::nullopt;
}

}  // namespace vllmctl::jinja
