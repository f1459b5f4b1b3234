// CORS: Starlette CORSMiddleware's rules (allow-all wildcard, echoing an allowed origin
// with Vary: Origin, preflight checks of origin, method and headers, max-age 600).
#include "cli/serve/cors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace vllmctl {

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool all_origins(const CorsPolicy& p) { return contains(p.allowed_origins, "*"); }

bool origin_allowed(const CorsPolicy& p, const std::string& origin) {
  return all_origins(p) || contains(p.allowed_origins, origin);
}

}  // namespace

std::vector<std::string> parse_cors_list(std::string_view flag, const std::string& value) {
  const std::string v = trim(value);
  std::vector<std::string> out;
  if (!v.empty() && v.front() == '[') {
    nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
    if (j.is_discarded() || !j.is_array()) {
      throw std::invalid_argument(std::string(flag) + " '" + value + "' is not a JSON list, e.g. '[\"https://a.example\"]'");
    }
    for (const auto& e : j) {
      if (!e.is_string()) {
        throw std::invalid_argument(std::string(flag) + " '" + value + "' must list strings, e.g. '[\"GET\", \"POST\"]'");
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  for (size_t pos = 0; pos <= v.size();) {
    const size_t comma = std::min(v.find(',', pos), v.size());
    if (auto item = trim(std::string_view(v).substr(pos, comma - pos)); !item.empty()) out.push_back(item);
    pos = comma + 1;
  }
  return out;
}

HeaderList cors_response_headers(const CorsPolicy& p, const std::string& origin) {
  if (origin.empty() || !origin_allowed(p, origin)) return {};
  HeaderList h;
  if (all_origins(p) && !p.allow_credentials) {
    h.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    // Credentialed requests may not use the wildcard: echo the origin, and tell caches
    // the answer depends on it.
    h.emplace_back("Access-Control-Allow-Origin", origin);
    h.emplace_back("Vary", "Origin");
  }
  if (p.allow_credentials) h.emplace_back("Access-Control-Allow-Credentials", "true");
  return h;
}

PreflightResponse cors_preflight(const CorsPolicy& p, const std::string& origin, const std::string& request_method,
                                 const std::string& request_headers) {
  PreflightResponse r;
  std::vector<std::string> failures;
  if (!origin_allowed(p, origin)) failures.push_back("Disallowed CORS origin");
  if (!contains(p.allowed_methods, "*") && !contains(p.allowed_methods, request_method)) {
    failures.push_back("Disallowed CORS method");
  }
  if (!contains(p.allowed_headers, "*") && !trim(request_headers).empty()) {
    static const std::set<std::string> kSafelisted = {"accept", "accept-language", "content-language", "content-type"};
    std::set<std::string> allowed = kSafelisted;
    for (const auto& hdr : p.allowed_headers) allowed.insert(lower(hdr));
    for (const auto& hdr : parse_cors_list("Access-Control-Request-Headers", request_headers)) {
      if (!allowed.count(lower(hdr))) {
        failures.push_back("Disallowed CORS headers");
        break;
      }
    }
  }

  if (all_origins(p) && !p.allow_credentials) {
    r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    r.headers.emplace_back("Access-Control-Allow-Origin", origin);
    r.headers.emplace_back("Vary", "Origin");
  }
  std::string methods;
  if (contains(p.allowed_methods, "*")) {
    methods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
  } else {
    for (const auto& m : p.allowed_methods) methods += (methods.empty() ? "" : ", ") + m;
  }
  r.headers.emplace_back("Access-Control-Allow-Methods", methods);
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  if (contains(p.allowed_headers, "*")) {
    if (!trim(request_headers).empty()) r.headers.emplace_back("Access-Control-Allow-Headers", request_headers);
  } else {
    std::set<std::string> names = {"Accept", "Accept-Language", "Content-Language", "Content-Type"};
    names.insert(p.allowed_headers.begin(), p.allowed_headers.end());
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : ", ") + n;
    r.headers.emplace_back("Access-Control-Allow-Headers", joined);
  }
  if (p.allow_credentials) r.headers.emplace_back("Access-Control-Allow-Credentials", "true");

  if (failures.empty()) {
    r.body = "OK";
  } else {
    r.status = 400;
    for (const auto& f : failures) r.body += (r.body.empty() ? "" : ", ") + f;
  }
  return r;
}

bool answer_preflight(const CorsPolicy& policy, const httplib::Request& req, httplib::Response& res) {
  if (req.method != "OPTIONS" || !req.has_header("Origin") || !req.has_header("Access-Control-Request-Method")) {
    return false;
  }
  const PreflightResponse pre =
      cors_preflight(policy, req.get_header_value("Origin"), req.get_header_value("Access-Control-Request-Method"),
                     req.get_header_value("Access-Control-Request-Headers"));
  res.status = pre.status;
  for (const auto& [k, v] : pre.headers) res.set_header(k, v);
  res.set_content(pre.body, "text/plain; charset=utf-8");
  return true;
}

void add_cors_headers(const CorsPolicy& policy, const httplib::Request& req, httplib::Response& res) {
  if (res.has_header("Access-Control-Allow-Origin")) return;  // a preflight, already answered
  for (const auto& [k, v] : cors_response_headers(policy, req.get_header_value("Origin"))) res.set_header(k, v);
}

}  // namespace vllmctl
