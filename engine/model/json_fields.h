// JsonFields: typed, checked reads of a config file's JSON object, so every bad or
// missing field becomes the one-line error "LABEL: field 'name' must be ...".
#pragma once

#include "engine/model/model_error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

class JsonFields {
 public:
  // `object` must outlive this. `prefix` qualifies field names in errors ("rope_scaling.").
  JsonFields(const nlohmann::json& object, std::string_view label, std::string prefix = "");

  // The field, or nullptr when absent or JSON null (both mean "not set" in HF configs).
  const nlohmann::json* find(std::string_view key) const;
  // "LABEL: message"
  ModelFileError error(const std::string& message) const;
  // Fields of a nested object, named "NAME.key" in errors.
  JsonFields nested(const nlohmann::json& object, std::string_view name) const;

  int64_t required_positive_int(std::string_view key) const;
  std::optional<int64_t> optional_positive_int(std::string_view key) const;
  double required_number(std::string_view key) const;
  std::optional<double> optional_number(std::string_view key) const;
  std::optional<bool> optional_bool(std::string_view key) const;
  std::optional<std::string> optional_string(std::string_view key) const;
  // A token id: a non-negative integer.
  std::optional<int64_t> optional_token_id(std::string_view key) const;
  // A token id or a list of them (e.g. eos_token_id); empty when absent.
  std::vector<int64_t> token_id_list(std::string_view key) const;

 private:
  ModelFileError type_error(std::string_view key, std::string_view expected, const nlohmann::json& got) const;

  const nlohmann::json& object_;
  std::string label_;
  std::string prefix_;
};

}  // namespace vllmctl
