// The built-in filters, after jinja2's (filters.py), with HF's tojson. Each takes the
// filtered value and the call's arguments; positional and keyword names match jinja2.
#include <algorithm>
#include <cmath>
#include <map>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/py_format.h"
#include "engine/text/jinja/py_str.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja {
namespace {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);

std::optional<std::string> opt_string(const Value& v) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  return to_str(v);
}

// jinja2's make_attrgetter: "a.b.0" looked up item-first at each step.
Value lookup_path(Interpreter& in, Value v, const std::string& path) {
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    v = in.get_item(v, digits ? Value(static_cast<std::int64_t>(std::stoll(part))) : Value(part));
    if (dot == std::string::npos) return v;
    pos = dot + 1;
  }
}

// A sort key: case-folded strings unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.is_string() ? Value(py::lower(v.as_string())) : v;
}

Value f_tojson(Interpreter&, const Value& v, CallArgs& a) {
  JsonOptions o;
  o.ensure_ascii = truthy(a.get(0, "ensure_ascii", Value(false)));
  Value indent = a.get(1, "indent", Value::none());
  if (indent.is_int()) o.indent = std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, indent.as_int())), ' ');
  else if (indent.is_string()) o.indent = indent.as_string();
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
  for (char c : s) {
    bool sep = py::is_space(static_cast<unsigned char>(c)) || std::string_view("-({[<").find(c) != std::string_view::npos;
    if (sep) out += c;
    else out += start ? py::upper(std::string(1, c)) : py::lower(std::string(1, c));
    start = sep;
  }
  return Value(std::move(out));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& a) {
  std::string sep = to_str(a.get(0, "d", Value("")));
  Value attribute = a.get(1, "attribute", Value::none());
  std::string out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    if (!first) out += sep;
    first = false;
    out += to_str(attribute.is_none() ? item : lookup_path(in, item, to_str(attribute)));
  }
  return Value(std::move(out));
}

Value f_items(Interpreter&, const Value& v, CallArgs&) {
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) throw Failure("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, val] : v.as_dict().entries()) out.push_back(Value::list({k, val}, true));
  return Value::list(std::move(out));
}

Value f_first(Interpreter&, const Value& v, CallArgs&) {
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}
Value f_last(Interpreter&, const Value& v, CallArgs&) {
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}
Value f_list(Interpreter&, const Value& v, CallArgs&) { return Value::list(iterate(v)); }
Value f_string(Interpreter&, const Value& v, CallArgs&) { return Value(to_str(v)); }
Value f_safe(Interpreter&, const Value& v, CallArgs&) { return v; }

Value f_escape(Interpreter&, const Value& v, CallArgs&) {
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
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
  double x = v.as_float() * scale;
  if (method == "ceil") return Value(std::ceil(x) / scale);
  if (method == "floor") return Value(std::floor(x) / scale);
  if (method != "common") throw Failure("method must be common, ceil or floor");
  double r = std::nearbyint(x);  // round half to even, as Python's round()
  return Value(r / scale);
}

Value f_replace(Interpreter&, const Value& v, CallArgs& a) {
  Value count = a.get(2, "count", Value::none());
  return Value(py::replace(to_str(v), to_str(a.get(0, "old")), to_str(a.get(1, "new")),
                           count.is_none() ? -1 : count.as_int()));
}

Value f_indent(Interpreter&, const Value& v, CallArgs& a) {
  Value width = a.get(0, "width", Value(4));
  std::string pad = width.is_string() ? width.as_string()
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
  }
  return Value(first ? pad + out : out);
}

Value f_map(Interpreter& in, const Value& v, CallArgs& a) {
  std::vector<Value> out;
  if (const Value* attr = a.kwarg("attribute")) {
    const Value* fallback = a.kwarg("default");
    for (const Value& item : iterate(v)) {
      Value x = lookup_path(in, item, to_str(*attr));
      out.push_back(x.is_undefined() && fallback ? *fallback : x);
    }
    return Value::list(std::move(out));
  }
  if (a.args.empty()) return Value::list(iterate(v));
  std::string name = to_str(a.args[0]);
  CallArgs rest{std::vector<Value>(a.args.begin() + 1, a.args.end()), a.kwargs};
  for (const Value& item : iterate(v)) {
    CallArgs copy = rest;
    out.push_back(in.filter(name, item, copy));
  }
  return Value::list(std::move(out));
}

Value select_impl(Interpreter& in, const Value& v, CallArgs& a, bool by_attr, bool keep) {
  std::size_t first = by_attr ? 1 : 0;
  std::string attr = by_attr ? to_str(a.get(0, "attribute")) : "";
  std::vector<Value> out;
  for (const Value& item : iterate(v)) {
    Value x = by_attr ? lookup_path(in, item, attr) : item;
    bool ok;
    if (a.args.size() <= first) {
      ok = truthy(x);
    } else {
      CallArgs targs{std::vector<Value>(a.args.begin() + static_cast<long>(first) + 1, a.args.end()), a.kwargs};
      ok = in.test(to_str(a.args[first]), x, targs);
    }
    if (ok == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}
Value f_select(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, true); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, false); }

Value f_unique(Interpreter& in, const Value& v, CallArgs& a) {
  bool cs = truthy(a.get(0, "case_sensitive", Value(false)));
  Value attribute = a.get(1, "attribute", Value::none());
  std::vector<Value> out, seen;
  for (const Value& item : iterate(v)) {
    Value key = sort_key(attribute.is_none() ? item : lookup_path(in, item, to_str(attribute)), cs);
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value::list(std::move(out));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& a) {
  bool reverse = truthy(a.get(0, "reverse", Value(false)));
  bool cs = truthy(a.get(1, "case_sensitive", Value(false)));
  Value attribute = a.get(2, "attribute", Value::none());
  std::vector<std::pair<Value, Value>> keyed;
  for (const Value& item : iterate(v)) {
    keyed.emplace_back(sort_key(attribute.is_none() ? item : lookup_path(in, item, to_str(attribute)), cs), item);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? compare(y.first, x.first) < 0 : compare(x.first, y.first) < 0;
  });
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& a) {
  if (!v.is_dict()) throw Failure("You can only sort by either \"key\" or \"value\"");
  bool cs = truthy(a.get(0, "case_sensitive", Value(false)));
  std::string by = to_str(a.get(1, "by", Value("key")));
  bool reverse = truthy(a.get(2, "reverse", Value(false)));
  if (by != "key" && by != "value") throw Failure("You can only sort by either \"key\" or \"value\"");
  std::vector<Value> pairs;
  for (const auto& [k, val] : v.as_dict().entries()) pairs.push_back(Value::list({k, val}, true));
  std::size_t idx = by == "key" ? 0 : 1;
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    Value kx = sort_key(x.as_list().items[idx], cs), ky = sort_key(y.as_list().items[idx], cs);
    return reverse ? compare(ky, kx) < 0 : compare(kx, ky) < 0;
  });
  return Value::list(std::move(pairs));
}

Value f_reverse(Interpreter&, const Value& v, CallArgs&) {
  if (v.is_string()) {
    auto cs = utf8::split_chars(v.as_string());
    std::string out;
    for (auto it = cs.rbegin(); it != cs.rend(); ++it) out += *it;
    return Value(std::move(out));
  }
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& a) {
  Value attribute = a.get(0, "attribute", Value::none());
  Value total = a.get(1, "start", Value(0));
  for (const Value& item : iterate(v)) {
    total = binary_op("+", total, attribute.is_none() ? item : lookup_path(in, item, to_str(attribute)));
  }
  return total;
}

Value minmax(Interpreter& in, const Value& v, CallArgs& a, bool want_max) {
  bool cs = truthy(a.get(0, "case_sensitive", Value(false)));
  Value attribute = a.get(1, "attribute", Value::none());
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  Value best = items[0];
  auto key = [&](const Value& x) {
    return sort_key(attribute.is_none() ? x : lookup_path(in, x, to_str(attribute)), cs);
  };
  for (const Value& item : items) {
    int c = compare(key(item), key(best));
    if (want_max ? c > 0 : c < 0) best = item;
  }
  return best;
}
Value f_max(Interpreter& in, const Value& v, CallArgs& a) { return minmax(in, v, a, true); }
Value f_min(Interpreter& in, const Value& v, CallArgs& a) { return minmax(in, v, a, false); }

Value f_attr(Interpreter& in, const Value& v, CallArgs& a) {
  return in.get_attr(v, to_str(a.get(0, "name")));
}

Value f_batch(Interpreter&, const Value& v, CallArgs& a) {
  std::int64_t n = a.get(0, "linecount").as_int();
  if (n <= 0) throw Failure("batch size must be positive");
  Value fill = a.get(1, "fill_with", Value::none());
  std::vector<Value> out, cur;
  for (const Value& item : iterate(v)) {
    cur.push_back(item);
    if (static_cast<std::int64_t>(cur.size()) == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (!fill.is_none()) while (static_cast<std::int64_t>(cur.size()) < n) cur.push_back(fill);
    out.push_back(Value::list(std::move(cur)));
  }
  return Value::list(std::move(out));
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
    if (c == 's') out += to_str(x);
    else if (c == 'r') out += repr(x);
    else if ((c == 'd' || c == 'i') && x.is_number()) out += std::to_string(static_cast<std::int64_t>(x.as_float()));
    else throw Failure(std::string("unsupported format character '") + c + "'");
  }
  return Value(std::move(out));
}

const std::map<std::string, FilterFn, std::less<>>& registry() {
  static const std::map<std::string, FilterFn, std::less<>> filters = {
      {"abs", f_abs}, {"attr", f_attr}, {"batch", f_batch}, {"capitalize", f_capitalize},
      {"count", f_length}, {"d", f_default}, {"default", f_default}, {"dictsort", f_dictsort},
      {"e", f_escape}, {"escape", f_escape}, {"first", f_first}, {"float", f_float},
      {"format", f_format}, {"indent", f_indent}, {"int", f_int}, {"items", f_items},
      {"join", f_join}, {"last", f_last}, {"length", f_length}, {"list", f_list},
      {"lower", f_lower}, {"map", f_map}, {"max", f_max}, {"min", f_min}, {"reject", f_reject},
      {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse},
      {"round", f_round}, {"safe", f_safe}, {"select", f_select}, {"selectattr", f_selectattr},
      {"sort", f_sort}, {"string", f_string}, {"sum", f_sum}, {"title", f_title},
      {"tojson", f_tojson}, {"trim", f_trim}, {"unique", f_unique}, {"upper", f_upper},
  };
  return filters;
}

}  // namespace

bool has_filter(const std::string& name) { return registry().count(name) != 0; }

Value run_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& args) {
  return registry().find(name)->second(in, v, args);
}

}  // namespace vllmctl::jinja
