// The global functions every template sees: range, namespace, dict, joiner, and the
// two Hugging Face adds, raise_exception(message) and strftime_now(format).
#include <ctime>
#include <memory>

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/interpreter.h"
#include "engine/text/jinja/py_format.h"

namespace vllmctl::jinja {
namespace {

constexpr std::int64_t kMaxRange = 100000;  // jinja2's sandbox MAX_RANGE

std::int64_t int_arg(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  if (v.is_undefined()) fail_undefined(v);
  throw Failure("'" + type_name(v) + "' object cannot be interpreted as an integer");
}

Value range(CallArgs& a) {
  if (a.args.empty() || a.args.size() > 3) throw Failure("range expected 1 to 3 arguments");
  std::int64_t start = 0, stop, step = 1;
  if (a.args.size() == 1) {
    stop = int_arg(a.args[0]);
  } else {
    start = int_arg(a.args[0]);
    stop = int_arg(a.args[1]);
    if (a.args.size() == 3) step = int_arg(a.args[2]);
  }
  if (step == 0) throw Failure("range() arg 3 must not be zero");
  std::vector<Value> out;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (static_cast<std::int64_t>(out.size()) >= kMaxRange) {
      throw Failure("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    }
    out.emplace_back(i);
    if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
  }
  return Value::list(std::move(out));
}

// dict(mapping_or_pairs, **kwargs) into `d`.
void fill_dict(Dict& d, CallArgs& a) {
  if (!a.args.empty()) {
    const Value& src = a.args[0];
    if (src.is_dict()) {
      for (const auto& [k, v] : src.as_dict().entries()) d.set(k, v);
    } else {
      for (const Value& pair : iterate(src)) {
        std::vector<Value> kv = iterate(pair);
        if (kv.size() != 2) throw Failure("dictionary update sequence element has wrong length");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : a.kwargs) d.set(Value(k), v);
}

std::string strftime_with(const std::tm& tm, const std::string& fmt) {
  if (fmt.empty()) return "";
  std::string buf(256 + fmt.size() * 8, '\0');
  std::size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
  buf.resize(n);
  return buf;
}

}  // namespace

void install_globals(Scope& scope, const RenderOptions& options,
                     const std::shared_ptr<std::vector<Value>>& namespaces) {
  scope.set("range", Value::callable("range", range));
  scope.set("namespace", Value::callable("namespace", [](CallArgs& a) {
              Value ns = Value::namespace_object();
              fill_dict(ns.as_dict(), a);
              return ns;
            }));
  scope.set("dict", Value::callable("dict", [](CallArgs& a) {
              Value d = Value::dict();
              fill_dict(d.as_dict(), a);
              return d;
            }));
  scope.set("joiner", Value::callable("joiner", [](CallArgs& a) {
              std::string sep = to_str(a.get(0, "sep", Value(", ")));
              auto used = std::make_shared<bool>(false);
              return Value::callable("joiner", [sep, used](CallArgs&) {
                if (!*used) {
                  *used = true;
                  return Value("");
                }
                return Value(sep);
              });
            }));
  scope.set("raise_exception", Value::callable("raise_exception", [](CallArgs& a) -> Value {
              throw Failure(to_str(a.get(0, "message")));
            }));
  std::optional<std::tm> now = options.now;
  scope.set("strftime_now", Value::callable("strftime_now", [now](CallArgs& a) {
              std::tm tm{};
              if (now) {
                tm = *now;
              } else {
                std::time_t t = std::time(nullptr);
                localtime_r(&t, &tm);
              }
              return Value(strftime_with(tm, to_str(a.get(0, "format"))));
            }));
}

}  // namespace vllmctl::jinja
