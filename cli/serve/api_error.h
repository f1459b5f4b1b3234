// Errors at the HTTP edge in vLLM's JSON shape:
// {"error": {"message": ..., "type": "BadRequestError", "param": null, "code": 400}}.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace vllmctl {

// Thrown by request handling; the route boundary turns it into the response.
struct ApiError : std::runtime_error {
  ApiError(int http_status, std::string error_type, const std::string& message, std::string error_param = "")
      : std::runtime_error(message),
        status(http_status),
        type(std::move(error_type)),
        param(std::move(error_param)) {}
  int status;
  std::string type;
  std::string param;
};

inline ApiError bad_request(const std::string& message, const std::string& param = "") {
  return ApiError(400, "BadRequestError", message, param);
}

inline nlohmann::json error_body(int status, const std::string& type, const std::string& message,
                                 const std::string& param = "") {
  return {{"error",
           {{"message", message}, {"type", type}, {"param", param.empty() ? nlohmann::json() : nlohmann::json(param)},
            {"code", status}}}};
}

}  // namespace vllmctl
