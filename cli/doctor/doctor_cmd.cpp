// `vllmctl doctor`: every check from the GPU to the dashboard, with the fix for each
// problem. Defaults come from the stack config (its first target, its ports and
// directory), so `vllmctl doctor` with no flags checks what `vllmctl stack up` runs.
#include "cli/commands.h"
#include "cli/common/config_file.h"
#include "cli/doctor/doctor_check.h"
#include "cli/doctor/doctor_report.h"
#include "cli/doctor/doctor_util.h"
#include "cli/stack/embedded_files.h"
#include "cli/stack/stack_config.h"
#include "cli/stack/stack_runtime.h"

#include <fmt/format.h>
#include <unistd.h>

#include <set>
#include <sstream>

namespace vllmctl {

namespace {

struct DoctorOptions {
  std::string target, api_key, prometheus, grafana, victoriametrics, categories;
  std::vector<std::string> dashboards;
  bool deep = false, no_probe = false, json = false, verbose = false, strict = false;
  double timeout_s = 10;
};

int run_doctor(const CliContext& ctx, const DoctorOptions& o, System& sys) {
  doctor::DoctorTargets t;
  // The stack's view first; a config that does not load is reported and skipped.
  try {
    const StackConfig c = load_stack_config(find_config_file(ctx.config_path), {}, sys);
    if (!c.targets.empty()) {
      const StackTarget& first = c.targets.front();
      const std::string host = first.host == "host.docker.internal" ? "127.0.0.1" : first.host;
      t.target = fmt::format("{}://{}:{}", first.scheme, host, first.port);
    }
    t.prometheus = prometheus_local_url(c);
    t.victoriametrics = victoriametrics_local_url(c);
    t.grafana = local_url(c, c.grafana_port);
    if (sys.exists(c.directory)) t.stack_dir = c.directory.string();
  } catch (const std::exception& e) {
    fmt::print(stderr, "vllmctl doctor: the stack config does not load ({}); using defaults\n", e.what());
  }
  if (!o.target.empty()) {
    t.target = o.target;
    while (!t.target.empty() && t.target.back() == '/') t.target.pop_back();
  }
  if (!o.prometheus.empty()) t.prometheus = o.prometheus;
  if (!o.grafana.empty()) t.grafana = o.grafana;
  if (!o.victoriametrics.empty()) t.victoriametrics = o.victoriametrics;
  t.api_key = o.api_key;
  t.deep = o.deep;
  t.probe = !o.no_probe;
  if (o.dashboards.empty()) {
    for (const EmbeddedFile& f : embedded_files_under("assets/dashboards/")) t.dashboards.emplace_back(f.content);
  } else {
    for (const auto& path : o.dashboards) {
      auto text = sys.read_file(path);
      if (!text) throw std::runtime_error(fmt::format("--dashboard {}: cannot read the file", path));
      t.dashboards.push_back(std::move(*text));
    }
  }

  std::vector<doctor::Check> checks = doctor::all_checks();
  if (!o.categories.empty()) {
    std::set<std::string> wanted;
    std::stringstream ss(o.categories);
    for (std::string c; std::getline(ss, c, ',');) wanted.insert(c);
    std::erase_if(checks, [&](const doctor::Check& c) { return !wanted.count(c.category); });
  }
  const auto findings = doctor::run_checks(checks, sys, t, std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000)));
  if (o.json) {
    fmt::print("{}", doctor::json_report(findings));
  } else {
    const bool tty = isatty(STDOUT_FILENO) && !sys.getenv("NO_COLOR");
    fmt::print("{}", doctor::text_report(findings, {tty, tty, o.verbose}));
  }
  return doctor::exit_code(findings, o.strict);
}

}  // namespace

void add_doctor_command(CLI::App& parent, CliContext& ctx) {
  auto* cmd = parent.add_subcommand(
      "doctor", "Check the GPU, container toolkit, Docker, ports, the server, Prometheus and Grafana; print the fix for each problem");
  auto o = std::make_shared<DoctorOptions>();
  // Checks may still run on their threads at exit (timeouts): the System lives until then.
  static std::unique_ptr<System> system = make_real_system();
  cmd->add_option("--target", o->target, "The inference server (default: the stack's first target, else http://127.0.0.1:8000)");
  cmd->add_option("--api-key", o->api_key, "API key for /v1 on the server")->envname("VLLM_API_KEY");
  cmd->add_option("--prometheus", o->prometheus, "Prometheus base URL (default: the stack's)");
  cmd->add_option("--grafana", o->grafana, "Grafana base URL (default: the stack's)");
  cmd->add_option("--victoriametrics", o->victoriametrics, "VictoriaMetrics base URL (default: the stack's)");
  cmd->add_option("--dashboard", o->dashboards, "A dashboard JSON whose metric names the server must expose (default: the bundled ones)");
  cmd->add_option("--category", o->categories, "Only these categories, comma-separated: gpu,toolkit,docker,ports,target,prometheus,security");
  cmd->add_flag("--deep", o->deep, "Also start a GPU container (docker run --rm --gpus all ...)");
  cmd->add_flag("--no-probe", o->no_probe, "Do not send the 1-token request that checks the counters move");
  cmd->add_flag("--json", o->json, "JSON output (schema_version 1)");
  cmd->add_flag("-v,--verbose", o->verbose, "Details and timings");
  cmd->add_flag("--strict", o->strict, "Exit 1 on warnings too");
  cmd->add_option("--timeout", o->timeout_s, "Seconds each check may take")->check(CLI::PositiveNumber);
  ctx.on_run(cmd, [&ctx, o] { return run_doctor(ctx, *o, *system); });
}

}  // namespace vllmctl
