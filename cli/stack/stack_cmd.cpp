// `vllmctl stack init|render|up|down|status`: the monitoring stack from one config.
#include "cli/commands.h"
#include "cli/common/config_file.h"
#include "cli/common/system.h"
#include "cli/stack/embedded_files.h"
#include "cli/stack/prometheus_targets.h"
#include "cli/stack/stack_config.h"
#include "cli/stack/stack_render.h"
#include "cli/stack/stack_runtime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <iostream>
#include <stdexcept>

namespace vllmctl {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct StackOptions {
  StackFlags flags;
  std::string out;
  bool force = false, json = false, volumes = false, yes = false;
  std::string service;
  int lines = 100;
};

void add_common_flags(CLI::App* cmd, StackOptions& o) {
  cmd->add_option("--target", o.flags.targets, "A server to scrape (URL); repeat for several. Replaces the config's targets");
  cmd->add_option("--runtime", o.flags.runtime, "auto, docker or native")->check(CLI::IsMember({"auto", "docker", "native"}));
  cmd->add_option("--dir", o.flags.directory, "Stack directory (default [stack] directory)");
  cmd->add_option("--env-file", o.flags.env_file, "The seed guide's .env variables (VLLM_MODEL, VLLM_PORT, HF_TOKEN, ...)");
}

StackConfig load(const CliContext& ctx, StackOptions& o, System& sys) {
  return load_stack_config(find_config_file(ctx.config_path), o.flags, sys);
}

// Renders for the resolved runtime and writes into the stack directory.
WriteResult render_into(const StackConfig& c, const std::string& runtime, const fs::path& dir, bool force, System& sys) {
  const auto files = render_stack(c, runtime, dir);
  return write_stack_files(files, c, dir, force, sys);
}

std::unique_ptr<StackRuntime> make_runtime(const StackConfig& c, const std::string& runtime, System& sys) {
  return runtime == "docker" ? make_docker_runtime(c, sys) : make_native_runtime(c, sys);
}

void print_targets(const std::vector<TargetState>& targets) {
  for (const TargetState& t : targets) {
    fmt::print("  [{}] {:<20} {}{}\n", t.health == "up" ? "up  " : t.health == "down" ? "DOWN" : "....", t.job, t.scrape_url,
               t.last_error.empty() ? "" : "\n         " + t.last_error + "\n         fix: " + t.hint);
  }
}

int run_init(const CliContext& ctx, const StackOptions& o, System& sys) {
  const fs::path path = ctx.config_path.empty() ? fs::path("vllmctl.toml") : fs::path(ctx.config_path);
  if (sys.exists(path) && !o.force) {
    throw std::runtime_error(fmt::format("{} exists; edit it, or run `vllmctl stack init --force` to replace it", path.string()));
  }
  sys.write_file(path, std::string(*embedded_file("templates/vllmctl.toml")));
  fmt::print("wrote {}: edit [[stack.targets]], then run `vllmctl stack up`\n", path.string());
  return 0;
}

int run_render(const CliContext& ctx, StackOptions& o, System& sys) {
  const StackConfig c = load(ctx, o, sys);
  const std::string runtime = resolve_runtime_name(c, sys);
  const fs::path dir = o.out.empty() ? c.directory : fs::absolute(o.out);
  const WriteResult w = render_into(c, runtime, dir, o.force, sys);
  fmt::print("rendered the stack for the {} runtime into {} ({} file{} changed)\n", runtime, dir.string(), w.changed.size(),
             w.changed.size() == 1 ? "" : "s");
  for (const auto& f : w.changed) fmt::print("  {}\n", f.string());
  return 0;
}

int run_up(const CliContext& ctx, StackOptions& o, System& sys) {
  const StackConfig c = load(ctx, o, sys);
  const std::string runtime_name = resolve_runtime_name(c, sys);
  const WriteResult w = render_into(c, runtime_name, c.directory, o.force, sys);
  const bool prometheus_changed = std::any_of(w.changed.begin(), w.changed.end(), [](const fs::path& p) {
    return p.generic_string().rfind("prometheus/", 0) == 0;
  });
  auto runtime = make_runtime(c, runtime_name, sys);
  fmt::print("starting the stack ({} runtime) from {}\n", runtime_name, c.directory.string());
  runtime->up(prometheus_changed);

  const std::string prom = prometheus_local_url(c);
  if (!wait_prometheus_ready(prom, 60s, sys)) {
    throw std::runtime_error(fmt::format("Prometheus at {} did not become ready in 60 s; see `vllmctl stack status`", prom));
  }
  // Each target is scraped within two scrape intervals.
  const auto targets = wait_target_states(prom, 2 * parse_duration(c.scrape_interval) + 5s, sys);
  for (const ServiceStatus& s : runtime->status()) {
    fmt::print("  {:<16} {:<8} {}{}\n", s.name, s.state, s.url, s.note.empty() ? "" : "  (" + s.note + ")");
  }
  fmt::print("targets:\n");
  print_targets(targets);
  const bool grafana_native = runtime_name == "docker" || sys.which("grafana-server") || sys.which("grafana");
  if (grafana_native) {
    fmt::print("Grafana: {}  (user admin, password in {})\n", local_url(c, c.grafana_port),
               (c.directory / "secrets" / "grafana_admin_password").string());
  }
  return 0;
}

int run_down(const CliContext& ctx, StackOptions& o, System& sys) {
  const StackConfig c = load(ctx, o, sys);
  const std::string runtime_name = resolve_runtime_name(c, sys);
  if (o.volumes && !o.yes) {
    if (!isatty(STDIN_FILENO)) {
      throw std::runtime_error("--volumes deletes every stored sample; add --yes to confirm when not on a terminal");
    }
    fmt::print("Delete all stored metrics of the stack in {}? [y/N] ", c.directory.string());
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      fmt::print("nothing deleted; stopping only\n");
      o.volumes = false;
    }
  }
  make_runtime(c, runtime_name, sys)->down(o.volumes);
  fmt::print("stack stopped{}\n", o.volumes ? "; its data was deleted" : "; data kept (use --volumes to delete it)");
  return 0;
}

int run_status(const CliContext& ctx, StackOptions& o, System& sys) {
  const StackConfig c = load(ctx, o, sys);
  const std::string runtime_name = resolve_runtime_name(c, sys);
  const auto services = make_runtime(c, runtime_name, sys)->status();
  const std::string prom = prometheus_local_url(c);
  std::string targets_error;
  std::vector<TargetState> targets;
  try {
    targets = fetch_target_states(prom, sys);
  } catch (const std::exception& e) {
    targets_error = e.what();
  }
  const bool any_down = std::any_of(targets.begin(), targets.end(), [](const TargetState& t) { return t.health != "up"; });
  if (o.json) {
    nlohmann::ordered_json j;
    j["runtime"] = runtime_name;
    j["directory"] = c.directory.string();
    j["services"] = nlohmann::ordered_json::array();
    for (const auto& s : services) {
      j["services"].push_back({{"name", s.name}, {"state", s.state}, {"pid", s.pid}, {"url", s.url}, {"note", s.note}});
    }
    j["targets"] = nlohmann::ordered_json::array();
    for (const auto& t : targets) {
      j["targets"].push_back({{"job", t.job}, {"instance", t.instance}, {"scrape_url", t.scrape_url}, {"health", t.health},
                              {"last_error", t.last_error}, {"hint", t.hint}});
    }
    if (!targets_error.empty()) j["targets_error"] = targets_error;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("stack ({} runtime) in {}\n", runtime_name, c.directory.string());
    for (const auto& s : services) {
      fmt::print("  {:<16} {:<8} {}{}{}\n", s.name, s.state, s.url, s.pid ? fmt::format("  pid {}", s.pid) : "",
                 s.note.empty() ? "" : "  (" + s.note + ")");
    }
    if (!targets_error.empty()) {
      fmt::print("targets: unknown ({})\n", targets_error);
    } else {
      fmt::print("targets:\n");
      print_targets(targets);
    }
  }
  return targets_error.empty() && !any_down ? 0 : 1;
}

int run_logs(const CliContext& ctx, StackOptions& o, System& sys) {
  const StackConfig c = load(ctx, o, sys);
  fmt::print("{}", make_runtime(c, resolve_runtime_name(c, sys), sys)->logs(o.service, o.lines));
  return 0;
}

}  // namespace

void add_stack_command(CLI::App& parent, CliContext& ctx) {
  auto* stack = parent.add_subcommand("stack", "Prometheus, Grafana and VictoriaMetrics for your servers, from one config");
  stack->require_subcommand(1);
  auto opts = std::make_shared<StackOptions>();
  auto system = std::shared_ptr<System>(make_real_system());

  auto* init = stack->add_subcommand("init", "Write a commented starter vllmctl.toml (--config FILE to choose where)");
  init->add_flag("--force", opts->force, "Replace an existing file");
  ctx.on_run_without_config(init, [&ctx, opts, system] { return run_init(ctx, *opts, *system); });

  auto* render = stack->add_subcommand("render", "Write the compose file, prometheus.yml, rules, Grafana provisioning and dashboards");
  add_common_flags(render, *opts);
  render->add_option("--out", opts->out, "Write here instead of the stack directory");
  render->add_flag("--force", opts->force, "Replace files that were edited by hand");
  ctx.on_run(render, [&ctx, opts, system] { return run_render(ctx, *opts, *system); });

  auto* up = stack->add_subcommand("up", "Render, start (or reload) the stack, and report each target's state");
  add_common_flags(up, *opts);
  up->add_flag("--force", opts->force, "Replace files that were edited by hand");
  ctx.on_run(up, [&ctx, opts, system] { return run_up(ctx, *opts, *system); });

  auto* down = stack->add_subcommand("down", "Stop the stack; its data is kept");
  add_common_flags(down, *opts);
  down->add_flag("--volumes", opts->volumes, "Also delete the stored metrics (asks first)");
  down->add_flag("--yes", opts->yes, "Do not ask");
  ctx.on_run(down, [&ctx, opts, system] { return run_down(ctx, *opts, *system); });

  auto* status = stack->add_subcommand("status", "Services and targets (with Prometheus' last scrape error); exit 1 if any is down");
  add_common_flags(status, *opts);
  status->add_flag("--json", opts->json, "JSON output");
  ctx.on_run(status, [&ctx, opts, system] { return run_status(ctx, *opts, *system); });

  auto* logs = stack->add_subcommand("logs", "The last lines of the services' logs");
  add_common_flags(logs, *opts);
  logs->add_option("service", opts->service, "prometheus, victoriametrics, grafana (default: all)");
  logs->add_option("-n,--lines", opts->lines, "Lines per service")->check(CLI::PositiveNumber);
  ctx.on_run(logs, [&ctx, opts, system] { return run_logs(ctx, *opts, *system); });
}

}  // namespace vllmctl
