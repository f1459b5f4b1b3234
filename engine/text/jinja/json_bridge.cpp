// nlohmann JSON <-> Jinja values.
#include "engine/text/jinja/json_bridge.h"

#include "engine/text/jinja/error.h"
#include "engine/text/jinja/py_format.h"

namespace vllmctl::jinja {
namespace {

template <typename Json>
Value convert(const Json& j, int depth) {
  if (depth > kMaxNesting) throw Failure("value nested too deeply");
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value(j.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(j.template get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.template get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<std::int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return Value(j.template get<double>());
    case nlohmann::json::value_t::string:
      return Value(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& item : j) items.push_back(convert(item, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value d = Value::dict();
      for (auto it = j.begin(); it != j.end(); ++it)
        d.as_dict().set(Value(it.key()), convert(it.value(), depth + 1));
      return d;
    }
    default:
      return Value::none();  // binary and discarded values do not occur in JSON text
  }
}

}  // namespace

Value from_json(const nlohmann::ordered_json& j) { return convert(j, 0); }
Value from_json(const nlohmann::json& j) { return convert(j, 0); }

nlohmann::ordered_json to_json_value(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::None:
      return nullptr;
    case Value::Kind::Bool:
      return v.as_bool();
    case Value::Kind::Int:
      return v.as_int();
    case Value::Kind::Float:
      return v.as_float();
    case Value::Kind::String:
      return v.as_string();
    case Value::Kind::List: {
      auto arr = nlohmann::ordered_json::array();
      for (const auto& item : v.as_list().items) arr.push_back(to_json_value(item));
      return arr;
    }
    case Value::Kind::Dict: {
      auto obj = nlohmann::ordered_json::object();
      for (const auto& [k, val] : v.as_dict().entries()) {
        obj[k.is_string() ? k.as_string() : to_str(k)] = to_json_value(val);
      }
      return obj;
    }
    default:
      throw Failure("Object of type " + type_name(v) + " is not JSON serializable");
  }
}

}  // namespace vllmctl::jinja
