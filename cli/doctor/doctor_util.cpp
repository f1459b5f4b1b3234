// Endpoint comparison and base64.
#include "cli/doctor/doctor_util.h"

#include <algorithm>
#include <regex>

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

std::string base64(const std::string& in) {
  static const char* kTable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kTable[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace vllmctl::doctor
