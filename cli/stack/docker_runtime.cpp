// The docker runtime: `docker compose` (v2), else `docker-compose` (v1), on the rendered
// docker-compose.yml with the project name "vllmctl".
#include "cli/stack/stack_runtime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <stdexcept>

namespace vllmctl {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class DockerRuntime final : public StackRuntime {
 public:
  DockerRuntime(const StackConfig& config, System& system) : c_(config), sys_(system) {}


  void up(bool prometheus_config_changed) override {
    std::vector<std::string> args = {"up", "-d", "--remove-orphans"};
    run(args, 600s);
    // Compose does not notice changed bind-mounted files: a running Prometheus reloads.
    if (prometheus_config_changed) sys_.http("POST", prometheus_local_url(c_) + "/-/reload");
  }

  void down(bool delete_data) override {
    std::vector<std::string> args = {"down"};
    if (delete_data) args.push_back("--volumes");
    run(args, 300s);
  }

  std::vector<ServiceStatus> status() override {
    const CommandResult r = compose({"ps", "--all"}, 60s);
    std::vector<ServiceStatus> out;
    if (r.exit_code != 0) {
      out.push_back({"compose", "unknown", 0, "", first_line(r.err.empty() ? r.out : r.err)});
      return out;
    }
    // Both versions print a header and one line per container; the state column says
    // "Up"/"running" or "Exit"/"exited".
    std::istringstream lines(r.out);
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
      if (line.find_first_not_of(" -") == std::string::npos) continue;
      ServiceStatus s;
      s.name = line.substr(0, line.find(' '));
      const bool up = line.find(" Up") != std::string::npos || line.find("running") != std::string::npos;
      s.state = up ? "running" : "stopped";
      s.note = line;
      out.push_back(std::move(s));
    }
    return out;
  }

  std::string logs(const std::string& service, int lines) override {
    std::vector<std::string> args = {"logs", "--no-color", "--tail", std::to_string(lines)};
    if (!service.empty()) args.push_back(service);
    const CommandResult r = compose(args, 60s);
    if (r.exit_code != 0) throw std::runtime_error(fmt::format("docker compose logs failed: {}", first_line(r.err)));
    return r.out + r.err;
  }

 private:
  static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

  // ["docker", "compose"] when the v2 plugin answers, else ["docker-compose"] (v1).
  const std::vector<std::string>& compose_command() {
    if (compose_.empty()) {
      if (sys_.run({"docker", "compose", "version"}, 20s).exit_code == 0) {
        compose_ = {"docker", "compose"};
      } else if (sys_.run({"docker-compose", "version"}, 20s).exit_code == 0) {
        compose_ = {"docker-compose"};
        std::fprintf(stderr, "vllmctl: warning: using docker-compose v1 (end of life); install the compose v2 plugin\n");
      } else {
        throw std::runtime_error("neither `docker compose` nor `docker-compose` works; install Docker's compose plugin "
                                 "(Debian: apt install docker-compose-plugin) or use --runtime native");
      }
    }
    return compose_;
  }

  CommandResult compose(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv = compose_command();
    argv.insert(argv.end(), {"-f", (c_.directory / "docker-compose.yml").string(), "-p", "vllmctl"});
    if (c_.dcgm_exporter) {
      argv.emplace_back("--profile");
      argv.emplace_back("gpu");
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return sys_.run(argv, timeout);
  }

  void run(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    const CommandResult r = compose(args, timeout);
    if (r.exit_code == 0) return;
    std::string why = r.err.empty() ? r.out : r.err;
    if (why.size() > 2000) why = "..." + why.substr(why.size() - 2000);
    std::string hint = "run `vllmctl doctor` for Docker and port checks";
    if (why.find("permission denied") != std::string::npos) {
      hint = "add yourself to the docker group (sudo usermod -aG docker $USER, then log in again)";
    } else if (why.find("port is already allocated") != std::string::npos ||
               why.find("address already in use") != std::string::npos) {
      hint = "a port is taken: change it in [stack] or stop what holds it";
    }
    throw std::runtime_error(fmt::format("docker compose {} failed (exit {}):\n{}\n{}", args.front(), r.exit_code, why, hint));
  }

  const StackConfig c_;  // a copy: the runtime may outlive the caller's config
  System& sys_;
  std::vector<std::string> compose_;
};

}  // namespace

std::unique_ptr<StackRuntime> make_docker_runtime(const StackConfig& config, System& system) {
  return std::make_unique<DockerRuntime>(config, system);
}

std::string resolve_runtime_name(const StackConfig& config, System& system) {
  if (config.runtime != "auto") return config.runtime;
  if (!system.which("docker")) return "native";
  return system.run({"docker", "info", "--format", "{{.ServerVersion}}"}, 15s).exit_code == 0 ? "docker" : "native";
}

}  // namespace vllmctl
