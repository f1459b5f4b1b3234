// Reading Prometheus' targets and explaining their errors.
#include "cli/stack/prometheus_targets.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <stdexcept>

namespace vllmctl {

using namespace std::chrono_literals;

std::string scrape_error_hint(const std::string& e) {
  auto has = [&](const char* s) { return e.find(s) != std::string::npos; };
  if (e.empty()) return "";
  if (has("no such host")) {
    return "the name does not resolve: from containers the host is host.docker.internal, which needs extra_hosts "
           "\"host.docker.internal:host-gateway\" (the rendered compose file has it; Docker >= 20.10); otherwise check "
           "the host name or use the IP";
  }
  if (has("connection refused")) {
    return "nothing listens there: is the server running (curl the URL)? A server on 127.0.0.1 cannot be reached from "
           "containers: start it with --host 0.0.0.0; check the port with `ss -ltnp`";
  }
  if (has("context deadline exceeded") || has("i/o timeout")) {
    return "no answer in time: a firewall may drop traffic from the docker bridge (ufw/iptables), the host may be "
           "unreachable, or /metrics is slow (raise scrape_timeout, at most scrape_interval)";
  }
  if (has("no route to host")) return "a firewall rejects the connection or the host is down: check the network path";
  if (has("404")) return "wrong metrics path or another service on that port: the path is /metrics; curl it";
  if (has("401") || has("403")) {
    return "the endpoint needs credentials: set bearer_token_file or basic_auth_user/basic_auth_password_file on the target";
  }
  if (has("500")) {
    return "the server failed to produce metrics: read its log; for vLLM with TP>1 put PROMETHEUS_MULTIPROC_DIR on local tmpfs";
  }
  if (has("HTTP response to HTTPS client")) return "the server speaks plain HTTP: use an http:// URL for the target";
  if (has("x509") || has("certificate")) {
    return "the server's certificate is not trusted: set tls_ca_file (or tls_insecure_skip_verify = true, unsafe)";
  }
  if (has("Content-Type")) return "the URL returns a web page, not metrics: fix the path or URL (it should end in /metrics)";
  if (has("EOF") || has("connection reset")) return "the server closed the connection mid-scrape: check its log for a crash";
  return "curl the target's /metrics from where Prometheus runs, and run `vllmctl doctor`";
}

std::vector<TargetState> fetch_target_states(const std::string& base_url, System& system) {
  const HttpResult r = system.http("GET", base_url + "/api/v1/targets?state=active", "", {}, 5s);
  if (r.status != 200) {
    throw std::runtime_error(r.status == 0 ? fmt::format("Prometheus at {} does not answer: {}", base_url, r.error)
                                           : fmt::format("Prometheus at {} answered HTTP {}", base_url, r.status));
  }
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || !j["data"].contains("activeTargets")) {
    throw std::runtime_error(fmt::format("{}/api/v1/targets did not answer Prometheus' JSON", base_url));
  }
  std::vector<TargetState> out;
  for (const auto& t : j["data"]["activeTargets"]) {
    TargetState s;
    const auto& labels = t.value("labels", nlohmann::json::object());
    s.job = labels.value("job", t.value("scrapePool", ""));
    s.instance = labels.value("instance", "");
    s.scrape_url = t.value("scrapeUrl", "");
    s.health = t.value("health", "unknown");
    s.last_error = t.value("lastError", "");
    s.hint = scrape_error_hint(s.last_error);
    out.push_back(std::move(s));
  }
  return out;
}

bool wait_prometheus_ready(const std::string& base_url, std::chrono::milliseconds timeout, System& system) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (system.http("GET", base_url + "/-/ready", "", {}, 2s).status == 200) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    system.sleep(250ms);
  }
}

std::vector<TargetState> wait_target_states(const std::string& base_url, std::chrono::milliseconds timeout,
                                            System& system) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<TargetState> states;
  while (true) {
    try {
      states = fetch_target_states(base_url, system);
    } catch (const std::exception&) {
      states.clear();
    }
    const bool settled = !states.empty() && std::none_of(states.begin(), states.end(), [](const TargetState& t) {
      return t.health == "unknown";
    });
    if (settled || std::chrono::steady_clock::now() >= deadline) return states;
    system.sleep(500ms);
  }
}

std::chrono::milliseconds parse_duration(const std::string& text) {
  static const std::regex part(R"(([0-9]+)(ms|s|m|h|d|w|y))");
  static const std::regex whole(R"(^([0-9]+(ms|s|m|h|d|w|y))+$)");
  if (!std::regex_match(text, whole)) return 0ms;
  std::chrono::milliseconds total{0};
  for (auto it = std::sregex_iterator(text.begin(), text.end(), part); it != std::sregex_iterator(); ++it) {
    const long long n = std::stoll((*it)[1]);
    const std::string unit = (*it)[2];
    const long long ms = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000
                       : unit == "d" ? 86'400'000 : unit == "w" ? 604'800'000 : 31'536'000'000LL;
    total += std::chrono::milliseconds(n * ms);
  }
  return total;
}

}  // namespace vllmctl
