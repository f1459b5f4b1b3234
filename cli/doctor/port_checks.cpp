// Ports: each port the server and the stack use is free, or held by the program that
// should hold it; otherwise who holds it (from `ss -ltnp`).
#include "cli/doctor/doctor_check.h"

#include <fmt/format.h>

#include <regex>
#include <sstream>

namespace vllmctl::doctor {

namespace {

using namespace std::chrono_literals;

struct Listener {
  std::string address;  // "0.0.0.0:9090", "127.0.0.1:8000", "[::]:3000"
  std::string program;  // "" when ss may not show it (another user's process)
  int pid = 0;
};

// Listeners on `port` from `ss -Hltnp`.
std::vector<Listener> listeners(System& sys, int port) {
  const CommandResult r = sys.run({"ss", "-Hltnp"}, 10s);
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

Check port_check(const char* role, size_t slot, std::vector<std::string> expected) {
  return {fmt::format("ports.{}", role), "ports", [role, slot, expected](System& sys, const DoctorTargets& t) {
            if (slot >= t.ports.size()) return skip("no port configured");
            const int port = t.ports[slot];
            if (!sys.which("ss")) return skip("ss (iproute2) is not installed");
            const auto ls = listeners(sys, port);
            if (ls.empty()) return ok(fmt::format("{} ({}) is free", port, role));
            std::vector<std::string> who;
            bool expected_holder = false;
            for (const Listener& l : ls) {
              who.push_back(l.program.empty() ? l.address : fmt::format("{} (pid {}) on {}", l.program, l.pid, l.address));
              for (const auto& e : expected) expected_holder |= l.program.find(e) != std::string::npos;
            }
            const std::string holders = fmt::format("{}", fmt::join(who, ", "));
            if (expected_holder) return ok(fmt::format("{} ({}) is in use by {}", port, role, holders));
            if (ls[0].program.empty()) {
              return warn(fmt::format("{} ({}) is in use on {}, by a process this user cannot see", port, role, holders),
                          fmt::format("sudo ss -ltnp 'sport = :{}'   # see who holds it; stop it or pick another port", port));
            }
            return warn(fmt::format("{} ({}) is taken by {}", port, role, holders),
                        fmt::format("sudo ss -ltnp 'sport = :{}'   # stop it, or move the {} port in vllmctl.toml", port, role));
          }};
}

}  // namespace

std::vector<Check> port_checks() {
  return {port_check("server", 0, {"vllmctl", "vllm", "python", "llama-server"}),
          port_check("prometheus", 1, {"prometheus", "docker-proxy"}),
          port_check("grafana", 2, {"grafana", "docker-proxy"}),
          port_check("victoriametrics", 3, {"victoria-metrics", "victoria", "docker-proxy"})};
}

}  // namespace vllmctl::doctor
