// The built-in filters, after jinja2's (filters.py), with HF's tojson: the text and
// number filters and the registry (sequence filters live in filters_seq.cpp).
// Positional and keyword argument names match jinja2.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/filters_impl.h"
#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/py_format.h"
#include "engine/text/jinja/py_str.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja {
namespace {

using namespace filters;  // NOLINT: the registry lists both files' filters

std::optional<std::string> opt_string(const Value& v) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  return to_str(v);
}

Value f_tojson(Interpreter&, const Value& v, CallArgs& a) {
  JsonOptions o;
  o.ensure_ascii = truthy(a.get(0, "ensure_ascii", Value(false)));
  Value indent = a.get(1, "indent", Value::none());
  if (indent.is_int() || indent.is_string()) {
    check_size(indent.is_int()
                   ? static_cast<std::size_t>(std::max<std::int64_t>(0, indent.as_int()))
                   : indent.as_string().size(),
               4096);
  }
  if (indent.is_int())
    o.indent =
        std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, indent.as_int())), ' ');
  else if (indent.is_string())
    o.indent = indent.as_string();
  Value seps = a.get(2, "separators", Value::none());
  if (seps.is_list() && seps.as_list().items.size() == 2) {
    o.item_separator = to_str(seps.as_list().items[0]);
    o.key_separator = to_str(seps.as_list().items[1]);
  }
  o.sort_keys = truthy(a.get(3, "sort_keys", Value(false)));
  return Value(to_json(v, o));
}

Value f_default(Interpreter&, const Value& v, CallArgs& a) {
  bool boolean = truthy(a.get(1, "boolean", Value(false)));
  if (v.is_undefined() || (boolean && !truthy(v))) return a.get(0, "default_value", Value(""));
  return v;
}

Value f_trim(Interpreter&, const Value& v, CallArgs& a) {
  return Value(py::strip(to_str(v), opt_string(a.get(0, "chars")), true, true));
}
Value f_length(Interpreter&, const Value& v, CallArgs&) {
  return Value(static_cast<std::int64_t>(length(v)));
}
Value f_upper(Interpreter&, const Value& v, CallArgs&) { return Value(py::upper(to_str(v))); }
Value f_lower(Interpreter&, const Value& v, CallArgs&) { return Value(py::lower(to_str(v))); }
Value f_capitalize(Interpreter&, const Value& v, CallArgs&) {
  return Value(py::capitalize(to_str(v)));
}

// jinja2's title: words start after whitespace, '-', and opening brackets.
Value f_title(Interpreter&, const Value& v, CallArgs&) {
  std::string s = to_str(v), out;
  bool start = true;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t b = i;
    char32_t cp = utf8::decode(s, i);
    std::string c = s.substr(b, i - b);
    bool sep = py::is_space(cp) ||
               (cp < 0x80 &&
                std::string_view("-({[<").find(static_cast<char>(cp)) != std::string_view::npos);
    out += sep ? c : (start ? py::upper(c) : py::lower(c));
    start = sep;
  }
  return Value(std::move(out));
}

// jinja2's truncate: cut at a word boundary (or anywhere with killwords) past leeway.
Value f_truncate(Interpreter&, const Value& v, CallArgs& a) {
  std::vector<std::string> chars = utf8::split_chars(to_str(v));
  std::int64_t n = a.get(0, "length", Value(255)).as_int();
  bool killwords = truthy(a.get(1, "killwords", Value(false)));
  std::string end = to_str(a.get(2, "end", Value("...")));
  std::int64_t leeway = a.get(3, "leeway", Value(5)).as_int();
  auto end_len = static_cast<std::int64_t>(utf8::count(end));
  if (n < end_len)
    throw Failure("expected length >= " + std::to_string(end_len) + ", got " + std::to_string(n));
  if (leeway < 0) throw Failure("expected leeway >= 0, got " + std::to_string(leeway));
  if (static_cast<std::int64_t>(chars.size()) <= n + leeway) return Value(to_str(v));
  std::string head;
  for (std::int64_t i = 0; i < n - end_len; ++i) head += chars[static_cast<std::size_t>(i)];
  if (!killwords) {
    std::size_t space = head.rfind(' ');
    if (space != std::string::npos) head.resize(space);
  }
  return Value(head + end);
}

// str.center(width): Python puts the odd extra space on the right unless width is odd.
Value f_center(Interpreter&, const Value& v, CallArgs& a) {
  std::string s = to_str(v);
  std::int64_t width = a.get(0, "width", Value(80)).as_int();
  auto len = static_cast<std::int64_t>(utf8::count(s));
  if (width <= len) return Value(s);
  check_size(static_cast<std::size_t>(width), kMaxStringBytes);
  std::int64_t pad = width - len;
  std::int64_t left = pad / 2 + (pad & width & 1);
  return Value(std::string(static_cast<std::size_t>(left), ' ') + s +
               std::string(static_cast<std::size_t>(pad - left), ' '));
}

// len(re.findall(r"\w+", s)) with ASCII word characters; other bytes (UTF-8 letters)
// count as word characters too.
Value f_wordcount(Interpreter&, const Value& v, CallArgs&) {
  std::int64_t words = 0;
  bool in_word = false;
  for (char c : to_str(v)) {
    auto u = static_cast<unsigned char>(c);
    bool w = std::isalnum(u) || c == '_' || u >= 0x80;
    if (w && !in_word) ++words;
    in_word = w;
  }
  return Value(words);
}

Value f_string(Interpreter&, const Value& v, CallArgs&) { return Value(to_str(v)); }
Value f_safe(Interpreter&, const Value& v, CallArgs&) { return v; }

Value f_escape(Interpreter&, const Value& v, CallArgs&) {
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return Value(std::move(out));
}

Value f_int(Interpreter&, const Value& v, CallArgs& a) {
  Value fallback = a.get(0, "default", Value(0));
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
  if (v.is_float()) {
    if (!std::isfinite(v.as_float())) return fallback;
    return Value(static_cast<std::int64_t>(v.as_float()));
  }
  if (v.is_string()) {
    std::string s = py::strip(v.as_string(), std::nullopt, true, true);
    try {
      std::size_t used = 0;
      long long n = std::stoll(s, &used, 10);
      if (used == s.size()) return Value(static_cast<std::int64_t>(n));
      if (s.find_first_of("xXpP") != std::string::npos) return fallback;  // no hex floats
      double d = std::stod(s, &used);
      if (used == s.size() && std::isfinite(d)) return Value(static_cast<std::int64_t>(d));
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

Value f_float(Interpreter&, const Value& v, CallArgs& a) {
  Value fallback = a.get(0, "default", Value(0.0));
  if (v.is_number()) return Value(v.as_float());
  if (v.is_string()) {
    std::string s = py::strip(v.as_string(), std::nullopt, true, true);
    try {
      std::size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size()) return Value(d);
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

Value f_abs(Interpreter&, const Value& v, CallArgs&) {
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_number()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  if (v.is_undefined()) fail_undefined(v);
  throw Failure("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_round(Interpreter&, const Value& v, CallArgs& a) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) throw Failure("type " + type_name(v) + " doesn't define __round__ method");
  std::int64_t precision = a.get(0, "precision", Value(0)).as_int();
  std::string method = to_str(a.get(1, "method", Value("common")));
  double scale = std::pow(10.0, static_cast<double>(precision));
  if (method == "ceil") return Value(std::ceil(v.as_float() * scale) / scale);
  if (method == "floor") return Value(std::floor(v.as_float() * scale) / scale);
  if (method != "common") throw Failure("method must be common, ceil or floor");
  if (!v.is_float()) {  // round() of an int is an int
    if (precision >= 0) return Value(v.as_int());
    return Value(static_cast<std::int64_t>(std::nearbyint(v.as_float() * scale) / scale));
  }
  if (!std::isfinite(v.as_float()) || std::fabs(v.as_float()) * scale >= 9007199254740992.0) {
    return v;  // already an integer at that precision
  }
  if (precision >= 0 && precision < 300) {
    // Python's round(x, n): the exact binary value rounded half-even, as printf does.
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), v.as_float());
    return Value(std::strtod(buf, nullptr));
  }
  return Value(std::nearbyint(v.as_float() * scale) / scale);
}

Value f_replace(Interpreter&, const Value& v, CallArgs& a) {
  Value count = a.get(2, "count", Value::none());
  return Value(py::replace(to_str(v), to_str(a.get(0, "old")), to_str(a.get(1, "new")),
                           count.is_none() ? -1 : count.as_int()));
}

Value f_indent(Interpreter&, const Value& v, CallArgs& a) {
  Value width = a.get(0, "width", Value(4));
  std::string pad =
      width.is_string()
          ? width.as_string()
          : std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, width.as_int())), ' ');
  bool first = truthy(a.get(1, "first", Value(false)));
  bool blank = truthy(a.get(2, "blank", Value(false)));
  std::string s = to_str(v) + "\n";
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < s.size();) {
    std::size_t nl = s.find('\n', pos);
    lines.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::string out = lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i) {
    out += "\n";
    if (blank || !lines[i].empty()) out += pad;
    out += lines[i];
    check_size(out.size(), kMaxStringBytes);
  }
  return Value(first ? pad + out : out);
}

// printf-style "%s and %d"|format(a, b).
Value f_format(Interpreter&, const Value& v, CallArgs& a) {
  std::string fmt = to_str(v), out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (i + 1 >= fmt.size()) throw Failure("incomplete format");
    char c = fmt[++i];
    if (c == '%') {
      out += '%';
      continue;
    }
    if (next >= a.args.size()) throw Failure("not enough arguments for format string");
    const Value& x = a.args[next++];
    if (c == 's') {
      out += to_str(x);
    } else if (c == 'r') {
      out += repr(x);
    } else if ((c == 'd' || c == 'i') && x.is_number()) {
      out += std::to_string(static_cast<std::int64_t>(x.as_float()));
    } else {
      throw Failure(std::string("unsupported format character '") + c + "'");
    }
    check_size(out.size(), kMaxStringBytes);
  }
  return Value(std::move(out));
}

const std::map<std::string, FilterFn, std::less<>>& registry() {
  static const std::map<std::string, FilterFn, std::less<>> filters = {
      {"abs", f_abs},
      {"attr", f_attr},
      {"batch", f_batch},
      {"capitalize", f_capitalize},
      {"center", f_center},
      {"count", f_length},
      {"d", f_default},
      {"default", f_default},
      {"dictsort", f_dictsort},
      {"e", f_escape},
      {"escape", f_escape},
      {"first", f_first},
      {"float", f_float},
      {"format", f_format},
      {"indent", f_indent},
      {"int", f_int},
      {"items", f_items},
      {"join", f_join},
      {"last", f_last},
      {"length", f_length},
      {"list", f_list},
      {"lower", f_lower},
      {"map", f_map},
      {"max", f_max},
      {"min", f_min},
      {"reject", f_reject},
      {"rejectattr", f_rejectattr},
      {"replace", f_replace},
      {"reverse", f_reverse},
      {"round", f_round},
      {"safe", f_safe},
      {"select", f_select},
      {"selectattr", f_selectattr},
      {"sort", f_sort},
      {"string", f_string},
      {"sum", f_sum},
      {"title", f_title},
      {"tojson", f_tojson},
      {"trim", f_trim},
      {"truncate", f_truncate},
      {"unique", f_unique},
      {"upper", f_upper},
      {"wordcount", f_wordcount},
  };
  return filters;
}

}  // namespace

bool has_filter(const std::string& name) { return registry().count(name) != 0; }

Value run_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& args) {
  return registry().find(name)->second(in, v, args);
}

}  // namespace vllmctl::jinja
