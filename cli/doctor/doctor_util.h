// Small helpers shared by the doctor checks: URL endpoints compared across the names one
// host goes by, and base64 for Basic auth.
#pragma once

#include <string>

namespace vllmctl::doctor {

struct Endpoint {
  std::string host;  // lower case; loopback names and host.docker.internal become "local"
  int port = 0;
};

// "http://127.0.0.1:8000/metrics" -> {local, 8000}; port 0 when unparsable.
Endpoint parse_endpoint(const std::string& url);
bool same_endpoint(const Endpoint& a, const Endpoint& b);

std::string base64(const std::string& bytes);

}  // namespace vllmctl::doctor
