// CORS: Starlette CORSMiddleware's answers for vLLM's default (allow everything) and for
// explicit lists, preflights included.
#include "cli/serve/cors.h"

#include <doctest/doctest.h>

#include <map>

using namespace vllmctl;

namespace {

std::map<std::string, std::string> as_map(const HeaderList& h) { return {h.begin(), h.end()}; }

}  // namespace

TEST_CASE("flag values parse as vLLM's JSON lists or as comma lists; bad JSON names the flag") {
  CHECK(parse_cors_list("--allowed-origins", R"(["https://a.example", "http://b"])") ==
        std::vector<std::string>{"https://a.example", "http://b"});
  CHECK(parse_cors_list("--allowed-methods", "GET, POST") == std::vector<std::string>{"GET", "POST"});
  CHECK(parse_cors_list("--allowed-origins", "[]").empty());
  CHECK_THROWS_WITH_AS(parse_cors_list("--allowed-origins", "[\"x\""), doctest::Contains("--allowed-origins"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_cors_list("--allowed-headers", "[1, 2]"), doctest::Contains("must list strings"),
                       std::invalid_argument);
}

TEST_CASE("the default policy answers any origin with the wildcard") {
  const CorsPolicy all;
  CHECK(as_map(cors_response_headers(all, "https://ui.example")) ==
        std::map<std::string, std::string>{{"Access-Control-Allow-Origin", "*"}});
  CHECK(cors_response_headers(all, "").empty());  // not a cross-origin request
  const auto pre = cors_preflight(all, "https://ui.example", "POST", "authorization, content-type");
  CHECK(pre.status == 200);
  const auto h = as_map(pre.headers);
  CHECK(h.at("Access-Control-Allow-Origin") == "*");
  CHECK(h.at("Access-Control-Allow-Methods") == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
  CHECK(h.at("Access-Control-Allow-Headers") == "authorization, content-type");  // echoed under "*"
  CHECK(h.at("Access-Control-Max-Age") == "600");
}

TEST_CASE("an explicit origin list echoes allowed origins with Vary and refuses others") {
  CorsPolicy p;
  p.allowed_origins = {"https://grafana.example"};
  p.allowed_methods = {"GET", "POST"};
  p.allowed_headers = {"Authorization"};
  p.allow_credentials = true;
  const auto ok = as_map(cors_response_headers(p, "https://grafana.example"));
  CHECK(ok.at("Access-Control-Allow-Origin") == "https://grafana.example");
  CHECK(ok.at("Vary") == "Origin");
  CHECK(ok.at("Access-Control-Allow-Credentials") == "true");
  CHECK(cors_response_headers(p, "https://evil.example").empty());

  const auto pre = cors_preflight(p, "https://grafana.example", "POST", "Authorization, Content-Type");
  CHECK(pre.status == 200);
  CHECK(as_map(pre.headers).at("Access-Control-Allow-Headers") ==
        "Accept, Accept-Language, Authorization, Content-Language, Content-Type");
  CHECK(as_map(pre.headers).at("Access-Control-Allow-Methods") == "GET, POST");

  const auto bad = cors_preflight(p, "https://evil.example", "DELETE", "X-Secret");
  CHECK(bad.status == 400);
  CHECK(bad.body == "Disallowed CORS origin, Disallowed CORS method, Disallowed CORS headers");
}
