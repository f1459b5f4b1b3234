// StackConfig: what `vllmctl stack` renders and runs, from (lowest first) defaults, the
// [stack] and [vllm] tables of vllmctl.toml, the seed guide's .env variables (a .env file,
// then the environment), and flags. Validation names the key and the fix; nothing is
// written before the whole config is valid.
#pragma once

#include "cli/common/system.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vllmctl {

struct StackTarget {
  std::string name;        // unique; the job is "vllm-<name>"
  std::string url;         // as given
  std::string scheme;      // http | https
  std::string host;        // as given (host.docker.internal reaches the host from containers)
  int port = 0;
  std::string metrics_path = "/metrics";
  std::map<std::string, std::string> labels;
  std::string bearer_token_file, basic_auth_user, basic_auth_password_file;
  std::string tls_ca_file, tls_cert_file, tls_key_file, tls_server_name;
  bool tls_insecure_skip_verify = false;
};

struct VllmService {  // the seed guide's containerized vLLM
  bool enabled = false;
  std::string image = "vllm/vllm-openai";
  std::string version = "v0.14.0";
  std::string model = "Qwen/Qwen2.5-0.5B-Instruct";
  int port = 8000;
  int max_model_len = 4096;
  double gpu_memory_utilization = 0.9;
  std::string dtype = "auto";
  std::string hf_token_file;         // mounted as a secret
  std::string hf_token;              // HF_TOKEN from .env or the environment: rendered into a 0600 secret
  std::string gpus = "all";          // "all" or a count
  std::string model_cache = "vllm-model-cache";  // named volume for ~/.cache/huggingface
  std::vector<std::string> extra_args;
};

struct AlertThresholds {
  double ttft_p95_seconds = 2.0;
  double kv_cache_usage = 0.9;
  int queue_waiting = 10;
};

struct StackConfig {
  std::filesystem::path directory;     // rendered files, pid files, logs, secrets, native data
  std::string runtime = "auto";        // auto | docker | native
  std::string scrape_interval = "15s";
  std::string prometheus_retention = "15d";
  std::string long_term_retention = "12mo";
  std::string bind = "127.0.0.1";
  int prometheus_port = 9090;
  int grafana_port = 3000;
  int victoriametrics_port = 8428;
  bool dcgm_exporter = false;          // the compose profile "gpu"
  AlertThresholds alerts;
  std::vector<StackTarget> targets;
  VllmService vllm;
};

// Flags that override the files.
struct StackFlags {
  std::vector<std::string> targets;  // --target URL (replaces the configured targets)
  std::string runtime;               // --runtime
  std::string directory;             // --dir
  std::filesystem::path env_file = ".env";
};

// Loads and validates. Throws std::runtime_error with "<file>: <key>: <problem>; <fix>".
StackConfig load_stack_config(const std::optional<std::filesystem::path>& toml_file, const StackFlags& flags,
                              System& system);

// How this host reaches a service bound to config.bind: loopback for the wildcard
// addresses, other IPv6 addresses in brackets; and "http://HOST:PORT".
std::string local_host(const StackConfig& config);
std::string local_url(const StackConfig& config, int port);

// VictoriaMetrics' -retentionPeriod for long_term_retention ("12mo" -> "12", "1y" -> "1y").
std::string victoriametrics_retention(const std::string& long_term_retention);

}  // namespace vllmctl
