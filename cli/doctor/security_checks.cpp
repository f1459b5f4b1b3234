// Security: Grafana's default admin/admin, stack ports published on every interface, and
// an inference server open to the network without an API key.
#include "cli/doctor/doctor_check.h"
#include "cli/doctor/doctor_util.h"

#include <fmt/format.h>

namespace vllmctl::doctor {

namespace {

using namespace std::chrono_literals;

CheckResult grafana_default_password(System& sys, const DoctorTargets& t) {
  const HttpResult r = sys.http("GET", t.grafana + "/api/org", "", {"Authorization: Basic " + base64("admin:admin")}, 5s);
  if (r.status == 0) return skip(fmt::format("no Grafana at {}", t.grafana));
  if (r.status == 200) {
    return fail("Grafana accepts admin/admin",
                "grafana cli admin reset-admin-password NEW   # (docker: docker exec -it vllmctl-grafana-1 grafana cli ...); "
                "vllmctl stack generates a password into secrets/grafana_admin_password");
  }
  return ok("Grafana refuses admin/admin");
}

CheckResult published_ports(System& sys, const DoctorTargets& t) {
  if (!sys.which("ss")) return skip("ss (iproute2) is not installed");
  std::vector<std::string> open;
  const std::pair<const char*, const std::string*> services[] = {
      {"prometheus", &t.prometheus}, {"grafana", &t.grafana}, {"victoriametrics", &t.victoriametrics}};
  for (const auto& [name, url] : services) {
    const Endpoint e = parse_endpoint(*url);
    if (e.host == "local" && e.port != 0 && listens_everywhere(sys, e.port)) {
      open.push_back(fmt::format("{} ({})", e.port, name));
    }
  }
  if (open.empty()) return ok("the stack's UIs listen on loopback only (or not at all)");
  return warn(fmt::format("published on every interface: {}", fmt::join(open, ", ")),
              "set bind = \"127.0.0.1\" in [stack] and run `vllmctl stack up`   # or firewall these ports; Prometheus "
              "and VictoriaMetrics have no authentication");
}

CheckResult open_server(System& sys, const DoctorTargets& t) {
  const Endpoint e = parse_endpoint(t.target);
  if (e.host != "local") return skip("the server is not on this host");
  if (!sys.which("ss") || !listens_everywhere(sys, e.port)) return ok("the server is not reachable from other hosts");
  const HttpResult r = sys.http("GET", t.target + "/v1/models", "", {}, 5s);
  if (r.status == 200) {
    return warn(fmt::format("the server on port {} listens on every interface and answers /v1 without an API key", e.port),
                "vllmctl serve --api-key \"$(openssl rand -hex 16)\" ...   # or --host 127.0.0.1; /health and /metrics "
                "stay open for Prometheus");
  }
  return ok("the server listens on every interface but /v1 needs an API key");
}

}  // namespace

std::vector<Check> security_checks() {
  return {{"security.grafana_password", "security", grafana_default_password},
          {"security.published_ports", "security", published_ports},
          {"security.open_server", "security", open_server}};
}

}  // namespace vllmctl::doctor
