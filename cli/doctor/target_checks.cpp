// The inference server: /health, /v1/models, /metrics with vllm: samples, the
// --disable-log-stats trap (its signature on /metrics, and the flag itself on a process
// command line, in the compose file and in .env), names the dashboards need, and counters
// that move after one tiny request.
#include "cli/doctor/doctor_check.h"
#include "cli/doctor/doctor_util.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>

namespace vllmctl::doctor {

namespace {

using namespace std::chrono_literals;

std::vector<std::string> auth(const DoctorTargets& t) {
  if (t.api_key.empty()) return {};
  return {"Authorization: Bearer " + t.api_key};
}

std::string unreachable_hint(const DoctorTargets& t, const HttpResult& r) {
  if (r.error.find("resolve") != std::string::npos) {
    return fmt::format("getent hosts {}   # the host name does not resolve: fix --target", t.target);
  }
  return fmt::format("curl -v {}/health   # nothing answers: start it (vllmctl serve --port ...) or fix --target", t.target);
}

// Sample lines (not comments) of /metrics.
std::vector<std::string> sample_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

std::set<std::string> metric_names(const std::string& text) {
  std::set<std::string> names;
  for (const auto& l : sample_lines(text)) names.insert(l.substr(0, l.find_first_of("{ ")));
  return names;
}

// The sum of every sample of `name`; nullopt when it has none.
std::optional<double> metric_sum(const std::string& text, const std::string& name) {
  std::optional<double> sum;
  for (const auto& l : sample_lines(text)) {
    if (l.compare(0, name.size(), name) != 0 || (l.size() > name.size() && l[name.size()] != '{' && l[name.size()] != ' ')) {
      continue;
    }
    try {
      sum = sum.value_or(0) + std::stod(l.substr(l.rfind(' ') + 1));
    } catch (const std::exception&) {
    }
  }
  return sum;
}

HttpResult get_metrics(System& sys, const DoctorTargets& t) { return sys.http("GET", t.target + "/metrics", "", {}, 5s); }

CheckResult health(System& sys, const DoctorTargets& t) {
  const HttpResult r = sys.http("GET", t.target + "/health", "", {}, 5s);
  if (r.status == 200) return ok(fmt::format("{}/health answers 200", t.target));
  if (r.status == 0) return fail(fmt::format("{} does not answer: {}", t.target, r.error), unreachable_hint(t, r));
  if (r.status == 503) {
    return fail(fmt::format("{}/health answers 503: the server is loading or its engine died", t.target),
                "journalctl -u vllmctl -n 50   # or the server's log: look for the engine error; restart it");
  }
  return fail(fmt::format("{}/health answers HTTP {}: is this an inference server?", t.target, r.status),
              fmt::format("curl -i {}/health   # check --target's port", t.target));
}

CheckResult models(System& sys, const DoctorTargets& t) {
  const HttpResult r = sys.http("GET", t.target + "/v1/models", "", auth(t), 5s);
  if (r.status == 0) return skip("the server does not answer (see target.health)");
  if (r.status == 401) {
    return fail("/v1/models needs an API key", "vllmctl doctor --api-key KEY   # or set VLLM_API_KEY");
  }
  if (r.status != 200) return fail(fmt::format("/v1/models answers HTTP {}", r.status), fmt::format("curl -i {}/v1/models", t.target));
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::vector<std::string> ids;
  if (j.is_object() && j.contains("data") && j["data"].is_array()) {
    for (const auto& m : j["data"]) {
      if (m.is_object() && m.contains("id") && m["id"].is_string()) ids.push_back(m["id"].get<std::string>());
    }
  }
  if (ids.empty()) return fail("/v1/models lists no model", fmt::format("curl {}/v1/models", t.target));
  return ok(fmt::format("serving {}", fmt::join(ids, ", ")));
}

CheckResult metrics(System& sys, const DoctorTargets& t) {
  const HttpResult r = get_metrics(sys, t);
  if (r.status == 0) return skip("the server does not answer (see target.health)");
  if (r.status != 200) {
    return fail(fmt::format("/metrics answers HTTP {}", r.status),
                fmt::format("curl -i {}/metrics   # an auth proxy in front? a different service on this port?", t.target));
  }
  size_t vllm_samples = 0;
  for (const auto& l : sample_lines(r.body)) vllm_samples += l.rfind("vllm:", 0) == 0;
  if (vllm_samples == 0) {
    return fail("/metrics answers but has no vllm: samples: the signature of --disable-log-stats",
                "restart the server without --disable-log-stats   # it removes every vllm: metric; dashboards and "
                "alerts go empty (see target.disable_log_stats for where the flag is set)");
  }
  return ok(fmt::format("/metrics has {} vllm: samples", vllm_samples));
}

CheckResult disable_log_stats_flag(System& sys, const DoctorTargets& t) {
  std::vector<std::string> found;
  // A server process of this target: it names the target's port (or none, on vLLM's 8000).
  const int port = parse_endpoint(t.target).port;
  const std::regex port_re(R"((^| )--port[ =](\d+))");
  for (const auto& [pid, cmd] : sys.processes()) {
    const bool server = cmd.find("serve") != std::string::npos || cmd.find("vllm") != std::string::npos;
    if (!server || cmd.find("--disable-log-stats") == std::string::npos) continue;
    std::smatch m;
    const int listens = std::regex_search(cmd, m, port_re) ? std::stoi(m[2]) : 8000;
    if (listens == port) found.push_back(fmt::format("process {}: {}", pid, cmd.substr(0, 160)));
  }
  std::vector<std::string> files = {"docker-compose.yml", "compose.yaml", "docker-compose.yaml", ".env"};
  if (!t.stack_dir.empty()) {
    files.push_back(t.stack_dir + "/docker-compose.yml");
    files.push_back(t.stack_dir + "/.env");
  }
  for (const auto& f : files) {
    const auto text = sys.read_file(f);
    if (!text) continue;
    std::istringstream in(*text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      const auto hash = line.find('#');
      const auto at = line.find("--disable-log-stats");
      if (at != std::string::npos && (hash == std::string::npos || hash > at)) found.push_back(fmt::format("{}:{}", f, n));
    }
  }
  if (found.empty()) return ok("--disable-log-stats is not set on a server process, compose file or .env");
  CheckResult r = fail(fmt::format("--disable-log-stats is set: {}", fmt::join(found, "; ")),
                       "remove --disable-log-stats and restart the server   # with it, /metrics has no vllm: samples");
  for (const auto& f : found) r.details.emplace_back("found", f);
  return r;
}

CheckResult dashboard_names(System& sys, const DoctorTargets& t) {
  const HttpResult r = get_metrics(sys, t);
  if (r.status != 200) return skip("no /metrics to compare with");
  const auto exposed = metric_names(r.body);
  if (std::none_of(exposed.begin(), exposed.end(), [](const std::string& n) { return n.rfind("vllm:", 0) == 0; })) {
    return skip("no vllm: samples at all (see target.metrics)");
  }
  static const std::regex name_re(R"(vllm:[A-Za-z0-9_:]+)");
  std::set<std::string> missing;
  for (const auto& text : t.dashboards) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name_re); it != std::sregex_iterator(); ++it) {
      // A histogram's family name (in a description, say) counts when its series exist.
      const std::string n = it->str();
      if (!exposed.count(n) && !exposed.count(n + "_bucket") && !exposed.count(n + "_total")) missing.insert(n);
    }
  }
  if (missing.empty()) return ok(fmt::format("every vllm: name the dashboards query is exposed ({} dashboards)", t.dashboards.size()));
  static const std::set<std::string> legacy = {
      "vllm:gpu_cache_usage_perc", "vllm:cpu_cache_usage_perc", "vllm:time_per_output_token_seconds_bucket",
      "vllm:time_per_output_token_seconds_sum", "vllm:time_per_output_token_seconds_count",
      "vllm:avg_prompt_throughput_toks_per_s", "vllm:avg_generation_throughput_toks_per_s"};
  const bool any_legacy = std::any_of(missing.begin(), missing.end(), [](const std::string& n) { return legacy.count(n) > 0; });
  CheckResult res = warn(fmt::format("the dashboards query names this server does not expose: {}", fmt::join(missing, ", ")),
                         any_legacy ? "vllmctl serve --legacy-metrics   # also exposes the pre-V1 names old dashboards use"
                                    : "update the dashboard to vLLM's current names (see vllmctl stack render)");
  for (const auto& m : missing) res.details.emplace_back("missing", m);
  return res;
}

CheckResult counters_move(System& sys, const DoctorTargets& t) {
  if (!t.probe) return skip("--no-probe: no request sent");
  const HttpResult before = get_metrics(sys, t);
  const auto success_before = before.status == 200 ? metric_sum(before.body, "vllm:request_success_total") : std::nullopt;
  if (!success_before) return skip("no vllm:request_success_total to watch (see target.metrics)");
  const HttpResult m = sys.http("GET", t.target + "/v1/models", "", auth(t), 5s);
  const auto j = nlohmann::json::parse(m.body, nullptr, false);
  if (m.status != 200 || !j.is_object() || !j.contains("data") || j["data"].empty()) return skip("no model to probe");
  const std::string model = j["data"][0].value("id", "");
  const nlohmann::json body = {{"model", model}, {"prompt", "ping"}, {"max_tokens", 1}, {"temperature", 0}};
  std::vector<std::string> headers = auth(t);
  headers.push_back("Content-Type: application/json");
  const HttpResult p = sys.http("POST", t.target + "/v1/completions", body.dump(), headers, 30s);
  if (p.status != 200) {
    return fail(fmt::format("a 1-token completion failed (HTTP {}{})", p.status, p.error.empty() ? "" : ", " + p.error),
                fmt::format("curl {}/v1/completions -H 'Content-Type: application/json' -d '{}'", t.target, body.dump()));
  }
  for (int i = 0; i < 20; ++i) {
    const HttpResult after = get_metrics(sys, t);
    const auto success_after = metric_sum(after.body, "vllm:request_success_total");
    if (success_after && *success_after > *success_before) {
      return ok(fmt::format("a 1-token request moved vllm:request_success_total ({} -> {})", *success_before, *success_after));
    }
    sys.sleep(100ms);
  }
  return fail("a request completed but vllm:request_success_total did not move",
              "the server's metrics are stuck: with several API processes check PROMETHEUS_MULTIPROC_DIR; restart it");
}

}  // namespace

std::vector<Check> target_checks() {
  return {{"target.health", "target", health},
          {"target.models", "target", models},
          {"target.metrics", "target", metrics},
          {"target.disable_log_stats", "target", disable_log_stats_flag},
          {"target.dashboard_names", "target", dashboard_names},
          {"target.counters_move", "target", counters_move}};
}

}  // namespace vllmctl::doctor
