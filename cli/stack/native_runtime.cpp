// The native runtime: Prometheus, VictoriaMetrics and (when installed) Grafana as
// detached child processes. Pid files live in <dir>/run, logs in <dir>/logs, data in
// <dir>/data; a pid file counts only while its process still runs that program, so a
// stale file after a reboot is ignored.
#include "cli/stack/stack_runtime.h"

#include <fmt/format.h>

#include <csignal>
#include <stdexcept>

namespace vllmctl {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct NativeService {
  std::string name;
  std::vector<std::string> programs;  // the first found on PATH is used
  std::string url;
  std::string ready_path;             // GET here answers 200 once it serves
};

class NativeRuntime final : public StackRuntime {
 public:
  NativeRuntime(const StackConfig& config, System& system) : c_(config), sys_(system), dir_(config.directory) {
    // In start order: Prometheus remote-writes to VictoriaMetrics; Grafana reads both.
    services_ = {
        {"victoriametrics", {"victoria-metrics", "victoria-metrics-prod"}, victoriametrics_local_url(c_), "/health"},
        {"prometheus", {"prometheus"}, prometheus_local_url(c_), "/-/ready"},
        {"grafana", {"grafana-server", "grafana"}, local_url(c_, c_.grafana_port), "/api/health"},
    };
  }


  void up(bool prometheus_config_changed) override {
    for (const NativeService& s : services_) {
      const auto program = find_program(s);
      if (!program) {
        if (s.name == "grafana") continue;  // optional natively: status says how to get it
        throw std::runtime_error(fmt::format("{} is not installed (none of {} on PATH); install it (Debian: apt install {}) "
                                             "or use the docker runtime",
                                             s.name, fmt::join(s.programs, ", "),
                                             s.name == "prometheus" ? "prometheus" : "victoria-metrics"));
      }
      if (running_pid(s)) {
        if (s.name == "prometheus" && prometheus_config_changed) reload_prometheus();
        continue;
      }
      start(s, *program);
    }
  }

  void down(bool delete_data) override {
    // Reverse order: Prometheus flushes its remote-write queue while VictoriaMetrics listens.
    for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
      if (const int pid = running_pid(*it)) stop(pid);
      sys_.remove_all(pid_file(*it));
    }
    if (delete_data) sys_.remove_all(dir_ / "data");
  }

  std::vector<ServiceStatus> status() override {
    std::vector<ServiceStatus> out;
    for (const NativeService& s : services_) {
      ServiceStatus st;
      st.name = s.name;
      st.url = s.url;
      if (!find_program(s)) {
        st.state = "missing";
        st.note = s.name == "grafana" ? "grafana-server is not on PATH: install Grafana to get dashboards natively, or "
                                        "use the docker runtime"
                                      : fmt::format("none of {} on PATH", fmt::join(s.programs, ", "));
      } else if (const int pid = running_pid(s)) {
        st.state = "running";
        st.pid = pid;
      } else {
        st.state = "stopped";
      }
      out.push_back(std::move(st));
    }
    return out;
  }

  std::string logs(const std::string& service, int lines) override {
    std::string out;
    bool known = service.empty();
    for (const NativeService& s : services_) {
      if (!service.empty() && s.name != service) continue;
      known = true;
      const auto text = sys_.read_file(log_file(s));
      if (!text) continue;
      out += fmt::format("==> {} ({}) <==\n{}", s.name, log_file(s).string(), last_lines(*text, lines));
    }
    if (!known) {
      throw std::runtime_error(fmt::format("no service '{}'; the native stack runs victoriametrics, prometheus, grafana", service));
    }
    return out;
  }

 private:
  std::optional<fs::path> find_program(const NativeService& s) {
    for (const auto& p : s.programs) {
      if (auto path = sys_.which(p)) return path;
    }
    return std::nullopt;
  }

  fs::path pid_file(const NativeService& s) const { return dir_ / "run" / (s.name + ".pid"); }
  fs::path log_file(const NativeService& s) const { return dir_ / "logs" / (s.name + ".log"); }

  // The pid from the pid file while that process still runs one of the service's programs.
  int running_pid(const NativeService& s) {
    const auto text = sys_.read_file(pid_file(s));
    if (!text) return 0;
    int pid = 0;
    try {
      pid = std::stoi(*text);
    } catch (const std::exception&) {
      return 0;
    }
    if (!sys_.process_alive(pid)) return 0;
    const std::string cmdline = sys_.process_command_line(pid);
    for (const auto& p : s.programs) {
      if (cmdline.find(p) != std::string::npos) return pid;
    }
    return 0;  // the pid was reused by something else
  }

  std::vector<std::string> command(const NativeService& s, const fs::path& program) const {
    const std::string host = c_.bind.find(':') != std::string::npos ? "[" + c_.bind + "]" : c_.bind;
    if (s.name == "prometheus") {
      return {program.string(),
              "--config.file=" + (dir_ / "prometheus" / "prometheus.yml").string(),
              "--storage.tsdb.path=" + (dir_ / "data" / "prometheus").string(),
              "--storage.tsdb.retention.time=" + c_.prometheus_retention,
              fmt::format("--web.listen-address={}:{}", host, c_.prometheus_port),
              "--web.enable-lifecycle"};
    }
    if (s.name == "victoriametrics") {
      return {program.string(),
              "-storageDataPath=" + (dir_ / "data" / "victoriametrics").string(),
              "-retentionPeriod=" + victoriametrics_retention(c_.long_term_retention),
              fmt::format("-httpListenAddr={}:{}", host, c_.victoriametrics_port)};
    }
    std::vector<std::string> argv = {program.string()};
    if (program.filename() == "grafana") argv.push_back("server");
    argv.push_back("--homepath=/usr/share/grafana");
    argv.push_back("--config=" + (dir_ / "grafana" / "grafana.ini").string());
    return argv;
  }

  void start(const NativeService& s, const fs::path& program) {
    const auto argv = command(s, program);
    const auto pid = sys_.spawn_detached(argv, log_file(s));
    if (!pid) throw std::runtime_error(fmt::format("could not start {} ({})", s.name, program.string()));
    sys_.write_file(pid_file(s), std::to_string(*pid) + "\n");
    // Ready within 30 s, or say why not.
    for (int i = 0; i < 300; ++i) {
      if (!sys_.process_alive(*pid)) break;
      if (sys_.http("GET", s.url + s.ready_path, "", {}, 1s).status == 200) return;
      sys_.sleep(100ms);
    }
    const bool alive = sys_.process_alive(*pid);
    if (alive) sys_.signal(*pid, SIGTERM);
    sys_.remove_all(pid_file(s));
    std::string tail = sys_.read_file(log_file(s)).value_or("");
    if (tail.size() > 1500) tail = "..." + tail.substr(tail.size() - 1500);
    throw std::runtime_error(fmt::format("{} {} (log {}):\n{}\nIf the port is taken, change it in [stack] or stop what "
                                         "holds it (`vllmctl doctor` shows who).",
                                         s.name, alive ? "did not become ready in 30 s" : "exited at start",
                                         log_file(s).string(), tail));
  }

  void stop(int pid) {
    sys_.signal(pid, SIGTERM);
    for (int i = 0; i < 150 && sys_.process_alive(pid); ++i) sys_.sleep(100ms);
    if (sys_.process_alive(pid)) {
      sys_.signal(pid, SIGKILL);
      for (int i = 0; i < 50 && sys_.process_alive(pid); ++i) sys_.sleep(100ms);
    }
  }

  void reload_prometheus() {
    const HttpResult r = sys_.http("POST", prometheus_local_url(c_) + "/-/reload");
    if (r.status != 200) {
      throw std::runtime_error(fmt::format("Prometheus did not reload its config (HTTP {}{}): {}", r.status,
                                           r.error.empty() ? "" : ", " + r.error, r.body));
    }
  }

  const StackConfig c_;  // a copy: the runtime may outlive the caller's config
  System& sys_;
  fs::path dir_;
  std::vector<NativeService> services_;
};

}  // namespace

std::unique_ptr<StackRuntime> make_native_runtime(const StackConfig& config, System& system) {
  return std::make_unique<NativeRuntime>(config, system);
}

std::string last_lines(const std::string& text, int lines) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (int n = 0; n < lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::string prometheus_local_url(const StackConfig& c) { return local_url(c, c.prometheus_port); }

std::string victoriametrics_local_url(const StackConfig& c) { return local_url(c, c.victoriametrics_port); }

}  // namespace vllmctl
