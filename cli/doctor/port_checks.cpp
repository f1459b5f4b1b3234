// Ports: each port the server and the stack use is free, or held by the program that
// should hold it; otherwise who holds it (from `ss -ltnp`).
#include "cli/doctor/doctor_check.h"
#include "cli/doctor/doctor_util.h"

#include <fmt/format.h>

namespace vllmctl::doctor {

namespace {

using namespace std::chrono_literals;

// The port of the service at t.*url, when that URL is on this host.
Check port_check(const char* role, std::string DoctorTargets::*url, std::vector<std::string> expected) {
  return {fmt::format("ports.{}", role), "ports", [role, url, expected](System& sys, const DoctorTargets& t) {
            const Endpoint e = parse_endpoint(t.*url);
            if (e.port == 0) return skip("no port configured");
            if (e.host != "local") return skip(fmt::format("{} is not on this host", t.*url));
            const int port = e.port;
            if (!sys.which("ss")) return skip("ss (iproute2) is not installed");
            const auto ls = listeners(sys, port);
            if (ls.empty()) return ok(fmt::format("{} ({}) is free", port, role));
            std::vector<std::string> who;
            bool expected_holder = false;
            for (const Listener& l : ls) {
              who.push_back(l.program.empty() ? l.address : fmt::format("{} (pid {}) on {}", l.program, l.pid, l.address));
              for (const auto& name : expected) expected_holder |= l.program.find(name) != std::string::npos;
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
  return {port_check("server", &DoctorTargets::target, {"vllmctl", "vllm", "python", "llama-server"}),
          port_check("prometheus", &DoctorTargets::prometheus, {"prometheus", "docker-proxy"}),
          port_check("grafana", &DoctorTargets::grafana, {"grafana", "docker-proxy"}),
          port_check("victoriametrics", &DoctorTargets::victoriametrics, {"victoria-metrics", "victoria", "docker-proxy"})};
}

}  // namespace vllmctl::doctor
