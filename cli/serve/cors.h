// CORS as vLLM's server does it (Starlette's CORSMiddleware with --allowed-origins,
// --allowed-methods, --allowed-headers, --allow-credentials; every default "*"): pure
// functions from the request's headers to the headers to add, so they test without a
// socket; answer_preflight() and add_cors_headers() apply them to cpp-httplib's types.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vllmctl {

struct CorsPolicy {
  std::vector<std::string> allowed_origins{"*"};
  std::vector<std::string> allowed_methods{"*"};
  std::vector<std::string> allowed_headers{"*"};
  bool allow_credentials = false;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A flag value as vLLM takes it, a JSON list ('["https://a.example"]'), or a plain
// comma-separated list. Throws std::invalid_argument naming `flag` for malformed JSON
// or a list of non-strings.
std::vector<std::string> parse_cors_list(std::string_view flag, const std::string& value);

// Headers for an ordinary response to a request carrying `origin` (empty: no Origin
// header, nothing to add; an origin not allowed also gets nothing).
HeaderList cors_response_headers(const CorsPolicy& policy, const std::string& origin);

struct PreflightResponse {
  int status = 200;  // 400 when the origin, method or headers are not allowed
  HeaderList headers;
  std::string body;  // "OK" or the reasons, as Starlette words them
};

// The answer to OPTIONS with Origin and Access-Control-Request-Method.
// `request_headers` is Access-Control-Request-Headers (may be empty).
PreflightResponse cors_preflight(const CorsPolicy& policy, const std::string& origin,
                                 const std::string& request_method, const std::string& request_headers);

// Before routing: true when `req` is a preflight, which is then answered in `res`.
bool answer_preflight(const CorsPolicy& policy, const httplib::Request& req, httplib::Response& res);
// After routing, on every response: the headers cors_response_headers() gives.
void add_cors_headers(const CorsPolicy& policy, const httplib::Request& req, httplib::Response& res);

}  // namespace vllmctl
