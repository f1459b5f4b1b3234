// The sequence filters: join, items, first/last, list, map, select/reject(attr),
// unique, sort, dictsort, reverse, sum, min/max, attr, batch (after jinja2's filters.py).
#include <algorithm>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/filters_impl.h"
#include "engine/text/jinja/py_format.h"
#include "engine/text/jinja/py_str.h"
#include "engine/text/jinja/utf8.h"

namespace vllmctl::jinja::filters {

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

Value f_join(Interpreter& in, const Value& v, CallArgs& a) {
  std::string sep = to_str(a.get(0, "d", Value("")));
  Value attribute = a.get(1, "attribute", Value::none());
  std::string out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    check_size(out.size() + sep.size(), kMaxStringBytes);
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

static Value select_impl(Interpreter& in, const Value& v, CallArgs& a, bool by_attr, bool keep) {
  std::size_t first = by_attr ? 1 : 0;
  std::string attr = by_attr ? to_str(a.get(0, "attribute")) : "";
  std::vector<Value> out;
  for (const Value& item : iterate(v)) {
    Value x = by_attr ? lookup_path(in, item, attr) : item;
    bool ok;
    if (a.args.size() <= first) {
      ok = truthy(x);
    } else {
      CallArgs targs{
          std::vector<Value>(a.args.begin() + static_cast<long>(first) + 1, a.args.end()),
          a.kwargs};
      ok = in.test(to_str(a.args[first]), x, targs);
    }
    if (ok == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}
Value f_select(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, false, true);
}
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, false, false);
}
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, true, true);
}
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, true, false);
}

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
    keyed.emplace_back(
        sort_key(attribute.is_none() ? item : lookup_path(in, item, to_str(attribute)), cs), item);
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
  if (by != "key" && by != "value")
    throw Failure("You can only sort by either \"key\" or \"value\"");
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
    total = binary_op("+", total,
                      attribute.is_none() ? item : lookup_path(in, item, to_str(attribute)));
  }
  return total;
}

static Value minmax(Interpreter& in, const Value& v, CallArgs& a, bool want_max) {
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
    if (!fill.is_none())
      while (static_cast<std::int64_t>(cur.size()) < n) cur.push_back(fill);
    out.push_back(Value::list(std::move(cur)));
  }
  return Value::list(std::move(out));
}

}  // namespace vllmctl::jinja::filters
