// Endpoint comparison, listeners from ss, and base64.
#include "cli/doctor/doctor_util.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>

namespace vllmctl::doctor {

Endpoint parse_endpoint(const std::string& url) {
  static const std::regex re(R"(^(https?)://(\[[^\]]+\]|[^/:]+)(?::(\d+))?)", std::regex::icase);
  std::smatch m;
  Endpoint e;
  if (!std::regex_search(url, m, re)) return e;
  e.host = m[2];
  std::transform(e.host.begin(), e.host.end(), e.host.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool https = m[1].str().size() == 5;
  e.port = m[3].matched ? std::stoi(m[3]) : (https ? 443 : 80);
  // From this host, these all reach this host.
  if (e.host == "127.0.0.1" || e.host == "localhost" || e.host == "[::1]" || e.host == "0.0.0.0" ||
      e.host == "host.docker.internal") {
    e.host = "local";
  }
  return e;
}

bool same_endpoint(const Endpoint& a, const Endpoint& b) { return a.port != 0 && a.host == b.host && a.port == b.port; }

std::vector<Listener> listeners(System& sys, int port) {
  const CommandResult r = sys.run({"ss", "-Hltnp"}, std::chrono::seconds(10));
  std::vector<Listener> out;
  if (r.exit_code != 0) return out;
  static const std::regex proc(R"re(\("([^"]+)",pid=(\d+))re");
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string state, recvq, sendq, local;
    fields >> state >> recvq >> sendq >> local;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos || local.substr(colon + 1) != std::to_string(port)) continue;
    Listener l{local, "", 0};
    std::smatch m;
    if (std::regex_search(line, m, proc)) {
      l.program = m[1];
      l.pid = std::stoi(m[2]);
    }
    out.push_back(l);
  }
  return out;
}

bool listens_everywhere(System& sys, int port) {
  for (const Listener& l : listeners(sys, port)) {
    const std::string host = l.address.substr(0, l.address.rfind(':'));
    if (host == "0.0.0.0" || host == "*" || host == "[::]") return true;
  }
  return false;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace vllmctl::doctor
