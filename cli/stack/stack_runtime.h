// StackRuntime: how the rendered stack is started, stopped and inspected: docker compose
// (v2 plugin, or v1 docker-compose) or native (the binaries on PATH, as detached
// processes with pid files and logs in the stack directory). Everything goes through
// System, so tests can replay it.
#pragma once

#include "cli/common/system.h"
#include "cli/stack/stack_config.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vllmctl {

struct ServiceStatus {
  std::string name;   // prometheus, victoriametrics, grafana, vllm, ...
  std::string state;  // running | stopped | missing (no binary) | unknown
  int pid = 0;        // native only
  std::string url;    // where it listens, for people
  std::string note;   // why it is missing, or docker's status text
};

class StackRuntime {
 public:
  virtual ~StackRuntime() = default;
  // Starts what is not running. `prometheus_config_changed`: a running Prometheus reloads.
  // Throws std::runtime_error with the failing service, its log tail and a fix.
  virtual void up(bool prometheus_config_changed) = 0;
  // Stops everything this stack started; `delete_data` also removes stored data.
  virtual void down(bool delete_data) = 0;
  virtual std::vector<ServiceStatus> status() = 0;
  // The last `lines` lines of a service's log ("" service: every service's).
  virtual std::string logs(const std::string& service, int lines) = 0;
};

// The last `lines` lines of `text`.
std::string last_lines(const std::string& text, int lines);

// "docker" or "native" for config.runtime (auto: docker when `docker info` answers).
std::string resolve_runtime_name(const StackConfig& config, System& system);

std::unique_ptr<StackRuntime> make_native_runtime(const StackConfig& config, System& system);
std::unique_ptr<StackRuntime> make_docker_runtime(const StackConfig& config, System& system);

// Prometheus' base URL as seen from this host ("http://127.0.0.1:9090").
std::string prometheus_local_url(const StackConfig& config);
std::string victoriametrics_local_url(const StackConfig& config);

}  // namespace vllmctl
