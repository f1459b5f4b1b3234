// Small helpers shared by the doctor checks: URL endpoints compared across the names one
// host goes by, the sockets listening on a port, and base64 for Basic auth.
#pragma once

#include "cli/common/system.h"

#include <string>
#include <vector>

namespace vllmctl::doctor {

struct Endpoint {
  std::string host;  // lower case; loopback names and host.docker.internal become "local"
  int port = 0;
};

// "http://127.0.0.1:8000/metrics" -> {local, 8000}; port 0 when unparsable.
Endpoint parse_endpoint(const std::string& url);
bool same_endpoint(const Endpoint& a, const Endpoint& b);

struct Listener {
  std::string address;  // "0.0.0.0:9090", "127.0.0.1:8000", "[::]:3000"
  std::string program;  // "" when ss may not show it (another user's process)
  int pid = 0;
};

// Listeners on `port` from `ss -Hltnp`; empty when ss fails.
std::vector<Listener> listeners(System& sys, int port);

// True when something listens on `port` on every interface (0.0.0.0, [::] or *).
bool listens_everywhere(System& sys, int port);

std::string base64(const std::string& bytes);

}  // namespace vllmctl::doctor
