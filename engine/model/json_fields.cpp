// JsonFields: checked field reads with one-line errors.
#include "engine/model/json_fields.h"

#include <fmt/format.h>

namespace vllmctl {

using nlohmann::json;

JsonFields::JsonFields(const json& object, std::string_view label, std::string prefix)
    : object_(object), label_(label), prefix_(std::move(prefix)) {}

const json* JsonFields::find(std::string_view key) const {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

ModelFileError JsonFields::error(const std::string& message) const {
  return ModelFileError(fmt::format("{}: {}", label_, message));
}

JsonFields JsonFields::nested(const json& object, std::string_view name) const {
  return JsonFields(object, label_, fmt::format("{}{}.", prefix_, name));
}

ModelFileError JsonFields::type_error(std::string_view key, std::string_view expected, const json& got) const {
  return error(fmt::format("field '{}{}' must be {}, got {}", prefix_, key, expected,
                           printable(got.dump(), 60)));
}

std::optional<int64_t> JsonFields::optional_positive_int(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer() || v->get<int64_t>() <= 0 ||
      (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
    throw type_error(key, "a positive integer", *v);
  }
  return v->get<int64_t>();
}

int64_t JsonFields::required_positive_int(std::string_view key) const {
  auto v = optional_positive_int(key);
  if (!v) throw error(fmt::format("missing required field '{}{}'", prefix_, key));
  return *v;
}

std::optional<double> JsonFields::optional_number(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) throw type_error(key, "a number", *v);
  return v->get<double>();
}

double JsonFields::required_number(std::string_view key) const {
  auto v = optional_number(key);
  if (!v) throw error(fmt::format("missing required field '{}{}'", prefix_, key));
  return *v;
}

std::optional<bool> JsonFields::optional_bool(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) throw type_error(key, "true or false", *v);
  return v->get<bool>();
}

std::optional<std::string> JsonFields::optional_string(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) throw type_error(key, "a string", *v);
  return v->get<std::string>();
}

std::optional<int64_t> JsonFields::optional_token_id(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer() || v->get<int64_t>() < 0 ||
      (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
    throw type_error(key, "a token id (a non-negative integer)", *v);
  }
  return v->get<int64_t>();
}

std::vector<int64_t> JsonFields::token_id_list(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr) return {};
  if (!v->is_array()) return {*optional_token_id(key)};
  std::vector<int64_t> ids;
  for (const auto& item : *v) {
    if (!item.is_number_integer() || item.get<int64_t>() < 0 ||
        (item.is_number_unsigned() && item.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
      throw type_error(key, "a token id or a list of token ids", *v);
    }
    ids.push_back(item.get<int64_t>());
  }
  return ids;
}

}  // namespace vllmctl
