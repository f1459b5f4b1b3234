// Typed reads of optional request fields: absent or null -> nullopt; a present value of
// the wrong type -> ApiError 400 naming the field (never nlohmann's type_error, which
// would surface as a 500).
#pragma once

#include "cli/serve/api_error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

namespace vllmctl {

// T is bool, an arithmetic type (integers range-checked), or anything nlohmann converts.
template <typename T>
std::optional<T> field(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) throw nlohmann::json::type_error::create(302, "not a boolean", nullptr);
    } else if constexpr (std::is_arithmetic_v<T>) {
      if (!it->is_number()) throw nlohmann::json::type_error::create(302, "not a number", nullptr);
      if constexpr (std::is_integral_v<T>) {
        if (!it->is_number_integer()) throw nlohmann::json::type_error::create(302, "not an integer", nullptr);
        const bool fits = it->is_number_unsigned()
                              ? it->template get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                              : it->template get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                    it->template get<int64_t>() <= static_cast<int64_t>(std::numeric_limits<T>::max());
        if (!fits) {
          throw bad_request(fmt::format("{}: {} is out of range", name, it->dump()), name);
        }
      }
    }
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw bad_request(fmt::format("{}: expected {}, got {}", name,
                                  std::is_same_v<T, bool> ? "a boolean"
                                  : std::is_integral_v<T> ? "an integer"
                                  : std::is_arithmetic_v<T> ? "a number"
                                                            : "another type",
                                  it->dump()),
                      name);
  }
}

}  // namespace vllmctl
