// Prometheus, Grafana and VictoriaMetrics: ready, the target's scrape state with its
// lastError explained, the scrape interval against Grafana's timeInterval, datasource
// health.
#include "cli/doctor/doctor_check.h"
#include "cli/doctor/doctor_util.h"
#include "cli/stack/prometheus_targets.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace vllmctl::doctor {

namespace {

using namespace std::chrono_literals;

CheckResult prometheus_ready(System& sys, const DoctorTargets& t) {
  const HttpResult r = sys.http("GET", t.prometheus + "/-/ready", "", {}, 5s);
  if (r.status == 200) return ok(fmt::format("Prometheus at {} is ready", t.prometheus));
  if (r.status == 0) {
    return warn(fmt::format("no Prometheus at {} ({})", t.prometheus, r.error),
                "vllmctl stack up   # or point --prometheus at yours");
  }
  return fail(fmt::format("Prometheus at {} is not ready (HTTP {})", t.prometheus, r.status),
              "vllmctl stack logs prometheus   # it may still be replaying its WAL");
}

CheckResult prometheus_target(System& sys, const DoctorTargets& t) {
  std::vector<TargetState> states;
  try {
    states = fetch_target_states(t.prometheus, sys);
  } catch (const std::exception& e) {
    return skip(fmt::format("no Prometheus to ask ({})", e.what()));
  }
  const Endpoint want = parse_endpoint(t.target);
  const TargetState* match = nullptr;
  for (const TargetState& s : states) {
    if (same_endpoint(parse_endpoint(s.scrape_url), want)) match = &s;
  }
  if (!match) {
    std::vector<std::string> jobs;
    for (const auto& s : states) jobs.push_back(fmt::format("{} {} ({})", s.job, s.scrape_url, s.health));
    CheckResult r = fail(fmt::format("Prometheus does not scrape {}", t.target),
                         fmt::format("vllmctl stack up --target {}   # or add it to [[stack.targets]]", t.target));
    for (const auto& j : jobs) r.details.emplace_back("scraped", j);
    return r;
  }
  if (match->health == "up") return ok(fmt::format("Prometheus scrapes {} (job {}): up", match->scrape_url, match->job));
  if (match->health == "unknown") {
    return warn(fmt::format("Prometheus has not scraped {} yet", match->scrape_url), "sleep 15 && vllmctl doctor   # wait one scrape interval");
  }
  CheckResult r = fail(fmt::format("Prometheus cannot scrape {} (job {}): {}", match->scrape_url, match->job, match->last_error),
                       match->hint);
  r.details.emplace_back("last_error", match->last_error);
  return r;
}

CheckResult scrape_interval(System& sys, const DoctorTargets& t) {
  if (t.stack_dir.empty()) return skip("no stack directory to read Grafana's datasources from");
  const auto ds = sys.read_file(t.stack_dir + "/grafana/provisioning/datasources/datasources.yml");
  if (!ds) return skip("no rendered Grafana datasources (vllmctl stack render)");
  const HttpResult r = sys.http("GET", t.prometheus + "/api/v1/status/config", "", {}, 5s);
  if (r.status != 200) return skip("no Prometheus config to compare");
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  const std::string yaml = j.is_object() ? j["data"].value("yaml", "") : "";
  std::smatch m, g;
  static const std::regex prom_re(R"(scrape_interval:\s*(\S+))"), graf_re(R"re(timeInterval:\s*"?([^"\s]+))re");
  if (!std::regex_search(yaml, m, prom_re) || !std::regex_search(*ds, g, graf_re)) return skip("no intervals found");
  if (parse_duration(m[1]) == parse_duration(g[1])) {
    return ok(fmt::format("scrape interval {} = Grafana's timeInterval", std::string(m[1])));
  }
  return warn(fmt::format("Prometheus scrapes every {} but Grafana's timeInterval is {}: rate() panels break or smooth wrong",
                          std::string(m[1]), std::string(g[1])),
              "vllmctl stack up   # re-renders both from one scrape_interval");
}

CheckResult grafana(System& sys, const DoctorTargets& t) {
  const HttpResult r = sys.http("GET", t.grafana + "/api/health", "", {}, 5s);
  if (r.status == 0) return warn(fmt::format("no Grafana at {}", t.grafana), "vllmctl stack up   # or point --grafana at yours");
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object() || j.value("database", "") != "ok") {
    return fail(fmt::format("Grafana at {} is unhealthy (HTTP {})", t.grafana, r.status), "vllmctl stack logs grafana");
  }
  const std::string version = j.value("version", "");
  const auto password = t.stack_dir.empty() ? std::nullopt : sys.read_file(t.stack_dir + "/secrets/grafana_admin_password");
  if (!password) return ok(fmt::format("Grafana {} is healthy", version));
  std::string pw = *password;
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  std::vector<std::string> bad;
  for (const char* uid : {"vllmctl-prometheus", "vllmctl-victoriametrics"}) {
    const HttpResult h = sys.http("GET", fmt::format("{}/api/datasources/uid/{}/health", t.grafana, uid), "",
                                  {"Authorization: Basic " + base64("admin:" + pw)}, 10s);
    if (h.status != 200) bad.push_back(fmt::format("{} (HTTP {})", uid, h.status));
  }
  if (!bad.empty()) {
    return fail(fmt::format("Grafana datasources fail their health check: {}", fmt::join(bad, ", ")),
                "vllmctl stack status   # is Prometheus/VictoriaMetrics up? then check the datasource URLs in the rendered provisioning");
  }
  return ok(fmt::format("Grafana {} is healthy and both datasources answer", version));
}

CheckResult victoriametrics(System& sys, const DoctorTargets& t) {
  const HttpResult r = sys.http("GET", t.victoriametrics + "/health", "", {}, 5s);
  if (r.status == 200) return ok(fmt::format("VictoriaMetrics at {} is healthy", t.victoriametrics));
  if (r.status == 0) {
    return warn(fmt::format("no VictoriaMetrics at {}: no long-term storage", t.victoriametrics), "vllmctl stack up");
  }
  return fail(fmt::format("VictoriaMetrics at {} answers HTTP {}", t.victoriametrics, r.status), "vllmctl stack logs victoriametrics");
}

}  // namespace

std::vector<Check> prometheus_checks() {
  return {{"prometheus.ready", "prometheus", prometheus_ready},
          {"prometheus.target", "prometheus", prometheus_target},
          {"prometheus.scrape_interval", "prometheus", scrape_interval},
          {"prometheus.grafana", "prometheus", grafana},
          {"prometheus.victoriametrics", "prometheus", victoriametrics}};
}

}  // namespace vllmctl::doctor
