// `vllmctl serve [MODEL]`: loads the model (a local HF directory, ORG/NAME through the
// hub cache, or the built-in demo model), starts the engine, and serves the OpenAI API,
// /health and vLLM's /metrics over cpp-httplib until SIGINT or SIGTERM.
#include "cli/commands.h"
#include "cli/common/build_info.h"
#include "cli/common/builtin_model.h"
#include "cli/serve/api_error.h"
#include "cli/serve/cache_config_labels.h"
#include "cli/serve/connection.h"
#include "cli/serve/cors.h"
#include "cli/serve/http_metrics.h"
#include "cli/serve/openai_routes.h"
#include "cli/serve/process_metrics.h"
#include "cli/serve/prom_text.h"
#include "cli/serve/vllm_metrics.h"
#include "engine/model/generation_config.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <prometheus/registry.h>

#include <csignal>
#include <ctime>
#include <thread>
#include <unistd.h>

namespace vllmctl {

namespace {

struct ServeArgs {
  std::string model;
  std::string host = "0.0.0.0";
  int port = 8000;
  std::string served_model_name;
  std::vector<std::string> api_keys;
  std::string tokenizer;
  std::string revision = "main";
  std::string download_dir;
  std::string device = "auto";
  std::string dtype = "auto";
  int max_model_len = 0;
  int max_num_seqs = 256;
  int max_num_batched_tokens = 0;
  int block_size = 16;
  double kv_cache_gib = 0;
  bool enable_prefix_caching = true;
  uint64_t seed = 0;
  std::string chat_template;
  std::string generation_config = "auto";
  bool disable_log_stats = false;
  bool enable_log_requests = false;
  double gpu_memory_utilization = 0.9;
  bool enforce_eager = false;
  std::string allowed_origins = "[\"*\"]";
  std::string allowed_methods = "[\"*\"]";
  std::string allowed_headers = "[\"*\"]";
  bool allow_credentials = false;
  int metrics_port = 0;  // 0: /metrics only on --port
  bool legacy_metrics = false;
  bool enable_prompt_tokens_details = false;
};

void log_line(const std::string& msg) {
  const auto now = std::chrono::system_clock::now();
  fmt::print(stderr, "INFO {:%m-%d %H:%M:%S} {}\n", fmt::localtime(std::chrono::system_clock::to_time_t(now)), msg);
}

// SIGINT/SIGTERM -> a pipe a watcher thread reads (OpenBLAS threads exist before main,
// so sigwait on a blocked mask would miss signals delivered to them).
int g_signal_pipe[2] = {-1, -1};
extern "C" void on_signal(int) {
  const char c = 1;
  [[maybe_unused]] auto n = ::write(g_signal_pipe[1], &c, 1);
}

bool authorized(const httplib::Request& req, const std::vector<std::string>& keys) {
  if (keys.empty()) return true;
  const std::string h = req.get_header_value("Authorization");
  if (h.size() < 7 || strncasecmp(h.c_str(), "bearer ", 7) != 0) return false;
  const std::string given = h.substr(7);
  bool ok = false;
  for (const auto& k : keys) {
    // Compare every byte of equal-length keys so timing says nothing about the key.
    if (k.size() != given.size()) continue;
    unsigned char diff = 0;
    for (size_t i = 0; i < k.size(); ++i) diff |= static_cast<unsigned char>(k[i] ^ given[i]);
    ok |= diff == 0;
  }
  return ok;
}

// Wraps a handler in the one exception boundary: ApiError -> its status, anything else
// -> 500, both in vLLM's error JSON.
httplib::Server::Handler guarded(void (*handler)(const httplib::Request&, httplib::Response&, ServerState&),
                                 ServerState& state) {
  return [handler, &state](const httplib::Request& req, httplib::Response& res) {
    try {
      if (!authorized(req, state.api_keys)) {
        res.status = 401;
        res.set_content(R"({"error":"Unauthorized"})", "application/json");
        return;
      }
      handler(req, res, state);
    } catch (const ApiError& e) {
      res.status = e.status;
      res.set_content(error_body(e.status, e.type, e.what(), e.param).dump(), "application/json");
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(error_body(500, "InternalServerError", e.what()).dump(), "application/json");
    }
  };
}

int run_serve(ServeArgs a) {
  if (a.port < 0 || a.port > 65535) throw std::runtime_error(fmt::format("--port {} is not a TCP port (0-65535)", a.port));
  if (a.dtype != "auto" && a.dtype != "bfloat16" && a.dtype != "float32" && a.dtype != "float16" && a.dtype != "half") {
    throw std::runtime_error(fmt::format("--dtype '{}' is not one of auto, bfloat16, float16, float32", a.dtype));
  }
  if (a.metrics_port < 0 || a.metrics_port > 65535 || (a.metrics_port != 0 && a.metrics_port == a.port)) {
    throw std::runtime_error(fmt::format("--metrics-port {} must be a TCP port other than --port {}", a.metrics_port, a.port));
  }
  CorsPolicy cors;
  try {
    cors.allowed_origins = parse_cors_list("--allowed-origins", a.allowed_origins);
    cors.allowed_methods = parse_cors_list("--allowed-methods", a.allowed_methods);
    cors.allowed_headers = parse_cors_list("--allowed-headers", a.allowed_headers);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  cors.allow_credentials = a.allow_credentials;
  ServerState state;
  const auto model_dir = resolve_model_argument(a.model, a.revision, a.download_dir);
  state.model_root = a.model.empty() ? "demo" : a.model;
  state.served_model_name = !a.served_model_name.empty() ? a.served_model_name : state.model_root;
  state.api_keys = a.api_keys;
  state.created_unix_s = std::time(nullptr);

  EngineLoadOptions lo;
  lo.model_dir = model_dir;
  if (!a.tokenizer.empty()) lo.tokenizer_dir = resolve_model_argument(a.tokenizer, a.revision, a.download_dir);
  lo.device = a.device;
  lo.max_model_len = a.max_model_len;
  lo.max_num_seqs = a.max_num_seqs;
  lo.max_num_batched_tokens = a.max_num_batched_tokens;
  lo.block_size = a.block_size;
  lo.kv_cache_memory_bytes = static_cast<uint64_t>(a.kv_cache_gib * (1ull << 30));
  lo.gpu_memory_utilization = a.gpu_memory_utilization;
  lo.enforce_eager = a.enforce_eager;
  lo.log = log_line;
  lo.enable_prefix_caching = a.enable_prefix_caching;
  lo.seed = a.seed;
  if (!a.disable_log_stats) lo.log_stats = log_line;
  log_line(fmt::format("vllmctl {} loading {}", build_info().version, model_dir.string()));
  state.loaded = load_engine(lo);
  // --generation-config: "auto" keeps the model's generation_config.json defaults, "vllm"
  // drops them (vLLM's own defaults), a folder loads that folder's file instead.
  if (a.generation_config == "vllm") {
    state.loaded.generation.reset();
  } else if (a.generation_config != "auto") {
    const auto file = std::filesystem::path(a.generation_config) / "generation_config.json";
    state.loaded.generation = load_generation_config(file);
    if (!state.loaded.generation) {
      throw std::runtime_error(fmt::format("--generation-config {}: no generation_config.json there (use auto, vllm, "
                                           "or a folder that has one)", a.generation_config));
    }
  }
  if (a.enable_log_requests) state.log_request = log_line;
  state.prompt_tokens_details = a.enable_prompt_tokens_details;
  log_line(fmt::format("device {}: {}; {}; max_model_len {}; KV cache {} blocks of {} tokens", state.loaded.device,
                       state.loaded.device_reason, state.engine().backend().describe(), state.max_model_len(),
                       state.engine().num_kv_blocks(), a.block_size));

  const auto tokenizer_config = lo.tokenizer_dir.value_or(model_dir) / "tokenizer_config.json";
  std::optional<std::string> override_template;
  if (!a.chat_template.empty()) override_template = chat::load_chat_template_arg(a.chat_template);
  if (std::filesystem::exists(tokenizer_config) || override_template) {
    chat::TokenizerChatConfig cfg = std::filesystem::exists(tokenizer_config)
                                        ? chat::TokenizerChatConfig::load(tokenizer_config)
                                        : chat::TokenizerChatConfig{};
    if (!cfg.templates.empty() || override_template) {
      state.chat_template = std::make_unique<chat::ChatTemplate>(cfg, override_template);
    }
  }

  // /metrics: prometheus-cpp collectables (the engine's vllm: families, the HTTP and
  // process metrics), printed the way vLLM's prometheus_client prints them.
  auto registry = std::make_shared<prometheus::Registry>();
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables;
  if (!a.disable_log_stats) {  // as in vLLM: no vllm: samples at all with the flag
    CacheConfigFacts cache;
    cache.block_size = a.block_size;
    cache.num_blocks = state.engine().num_kv_blocks();
    cache.enable_prefix_caching = a.enable_prefix_caching;
    cache.gpu_memory_utilization = a.gpu_memory_utilization;
    if (state.loaded.device == "cpu") {  // --kv-cache-gib sizes the CPU backend's cache only
      if (a.kv_cache_gib > 0) cache.kv_cache_memory_bytes = lo.kv_cache_memory_bytes;
      cache.cpu_kvcache_space_bytes = state.loaded.kv_cache_bytes;
    }
    cache.sliding_window = state.loaded.config.sliding_window;
    VllmMetricsInfo info{state.served_model_name, "0", cache_config_labels(cache), a.legacy_metrics};
    Engine* engine = &state.engine();
    collectables.push_back(std::make_shared<VllmMetricsCollector>([engine] { return engine->stats(); }, info));
  }
  collectables.push_back(registry);
  collectables.push_back(std::make_shared<ProcessCollector>());
  HttpMetrics http_metrics(*registry, {"/v1/models", "/v1/completions", "/v1/chat/completions", "/tokenize",
                                       "/detokenize"});
  const double started = static_cast<double>(std::time(nullptr));
  auto metrics_handler = [collectables, started](const httplib::Request&, httplib::Response& res) {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& c : collectables) {
      for (auto& f : c->Collect()) families.push_back(std::move(f));
    }
    // _created for our counters and histograms; none for process_*, as prometheus_client.
    std::vector<double> created;
    for (const auto& f : families) created.push_back(f.name.rfind("process_", 0) == 0 ? -1.0 : started);
    res.set_content(serialize_prometheus_text(families, created), kPrometheusContentType);
  };

  httplib::Server svr;
  // One worker per concurrent stream plus headroom for scrapes and keep-alive clients
  // (httplib pins a worker per connection).
  const size_t workers = static_cast<size_t>(std::max(32, a.max_num_seqs + 16));
  svr.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(1000);
  auto listen_fd = std::make_shared<int>(-1);
  svr.set_socket_options(listen_socket_options(listen_fd));
  svr.set_read_timeout(600, 0);
  svr.set_write_timeout(600, 0);

  // Middleware: the request's start time (a worker serves one request at a time), CORS,
  // and the http_* metrics once the response is written.
  static thread_local std::chrono::steady_clock::time_point request_started;
  svr.set_pre_routing_handler([&cors](const httplib::Request& req, httplib::Response& res) {
    request_started = std::chrono::steady_clock::now();
    return answer_preflight(cors, req, res) ? httplib::Server::HandlerResponse::Handled
                                            : httplib::Server::HandlerResponse::Unhandled;
  });
  svr.set_post_routing_handler([&cors](const httplib::Request& req, httplib::Response& res) {
    add_cors_headers(cors, req, res);
  });
  svr.set_logger([&http_metrics](const httplib::Request& req, const httplib::Response& res) {
    auto length = [](const std::string& v, size_t fallback) {
      return v.empty() ? static_cast<double>(fallback) : std::strtod(v.c_str(), nullptr);
    };
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - request_started).count();
    http_metrics.observe(req.path, req.method, res.status, length(req.get_header_value("Content-Length"), 0),
                         length(res.get_header_value("Content-Length"), 0), seconds);
  });

  svr.Get("/health", [&state](const httplib::Request&, httplib::Response& res) {
    res.status = state.engine().alive() ? 200 : 503;
  });
  svr.Get("/ping", [&state](const httplib::Request&, httplib::Response& res) {
    res.status = state.engine().alive() ? 200 : 503;
  });
  svr.Post("/ping", [&state](const httplib::Request&, httplib::Response& res) {
    res.status = state.engine().alive() ? 200 : 503;
  });
  svr.Get("/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(nlohmann::json{{"version", build_info().version}}.dump(), "application/json");
  });
  svr.Get("/metrics", metrics_handler);
  svr.Get("/v1/models", guarded(handle_models, state));
  svr.Post("/v1/completions", guarded(handle_completions, state));
  svr.Post("/v1/chat/completions", guarded(handle_chat_completions, state));
  svr.Post("/tokenize", guarded(handle_tokenize, state));
  svr.Post("/detokenize", guarded(handle_detokenize, state));

  // --metrics-port: /metrics (only) on a second listener, e.g. for a scrape network.
  std::unique_ptr<httplib::Server> metrics_svr;
  if (a.metrics_port != 0) {
    metrics_svr = std::make_unique<httplib::Server>();
    metrics_svr->set_socket_options(listen_socket_options(std::make_shared<int>(-1)));
    metrics_svr->Get("/metrics", metrics_handler);
  }

  if (::pipe(g_signal_pipe) != 0) throw std::runtime_error("cannot create the signal pipe");
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::thread watcher([&svr, &metrics_svr] {
    char c;
    if (::read(g_signal_pipe[0], &c, 1) == 1) {
      if (c == 1) log_line("shutting down");
      svr.stop();
      if (metrics_svr) metrics_svr->stop();
    }
  });
  auto stop_watcher = [&watcher] {
    const char c = 0;
    [[maybe_unused]] auto n = ::write(g_signal_pipe[1], &c, 1);
    watcher.join();
  };

  if (!svr.bind_to_port(a.host, a.port)) {
    stop_watcher();
    throw std::runtime_error(fmt::format("cannot listen on {}:{} (in use? try --port)", a.host, a.port));
  }
  widen_backlog(*listen_fd);
  std::thread metrics_thread;
  if (metrics_svr) {
    if (!metrics_svr->bind_to_port(a.host, a.metrics_port)) {
      stop_watcher();
      throw std::runtime_error(fmt::format("cannot listen on {}:{} for --metrics-port (in use?)", a.host, a.metrics_port));
    }
    metrics_thread = std::thread([&metrics_svr] { metrics_svr->listen_after_bind(); });
    log_line(fmt::format("metrics on http://{}:{}/metrics", a.host, a.metrics_port));
  }
  log_line(fmt::format("serving {} on http://{}:{} (OpenAI API under /v1, /health, /metrics)",
                       state.served_model_name, a.host, a.port));
  svr.listen_after_bind();
  state.engine().stop();  // in-flight requests finish with "abort"
  stop_watcher();
  if (metrics_thread.joinable()) metrics_thread.join();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& parent, CliContext& ctx) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = parent.add_subcommand("serve", "Serve a model with an OpenAI-compatible API and vLLM's /metrics");
  cmd->add_option("model_tag,--model", a->model,
                  "Local HF model directory or ORG/NAME (default: the built-in demo model)")
      ->envname("VLLM_MODEL");
  cmd->add_option("--host", a->host, "Address to listen on")->envname("VLLM_HOST")->capture_default_str();
  cmd->add_option("--port", a->port, "Port to listen on")->envname("VLLM_PORT")->capture_default_str();
  cmd->add_option("--served-model-name", a->served_model_name, "Model name in the API (default: MODEL)");
  cmd->add_option("--api-key", a->api_keys, "Require 'Authorization: Bearer KEY' on /v1 (repeatable)")
      ->envname("VLLM_API_KEY");
  cmd->add_option("--tokenizer", a->tokenizer, "Tokenizer directory or ORG/NAME (default: MODEL)");
  cmd->add_option("--revision", a->revision, "Hub revision")->capture_default_str();
  cmd->add_option("--download-dir", a->download_dir, "Hub cache directory (default: $HF_HUB_CACHE)");
  cmd->add_option("--device", a->device, "auto | cuda | cpu")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "auto | bfloat16 | float16 | float32")->envname("VLLM_DTYPE")->capture_default_str();
  cmd->add_option("--max-model-len", a->max_model_len, "Prompt + output tokens at most (default: the model's)")
      ->envname("VLLM_MAX_MODEL_LEN");
  cmd->add_option("--gpu-memory-utilization", a->gpu_memory_utilization,
                  "Fraction of GPU memory for weights, activations and the KV cache (CUDA graphs use what is left)")
      ->envname("VLLM_GPU_MEMORY_UTILIZATION")->capture_default_str();
  cmd->add_option("--max-num-seqs", a->max_num_seqs, "Requests in one step at most")->capture_default_str();
  cmd->add_option("--max-num-batched-tokens", a->max_num_batched_tokens, "Tokens in one step at most (0: 2048)");
  cmd->add_option("--block-size", a->block_size, "Tokens per KV cache block")->capture_default_str();
  cmd->add_option("--kv-cache-gib", a->kv_cache_gib, "CPU KV cache budget in GiB (0: 2 GiB)");
  cmd->add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", a->enable_prefix_caching,
                "Reuse the KV of shared prompt prefixes (default on)");
  cmd->add_option("--seed", a->seed, "Seed for requests without their own")->capture_default_str();
  cmd->add_option("--chat-template", a->chat_template, "Chat template file (or the template text)");
  cmd->add_option("--generation-config", a->generation_config,
                  "Sampling defaults: auto (the model's generation_config.json), vllm (none), or a folder")
      ->capture_default_str();
  cmd->add_flag("--disable-log-stats", a->disable_log_stats, "No stats log line and no vllm: metrics (as vLLM)");
  cmd->add_flag("--enable-log-requests", a->enable_log_requests, "Log every request's prompt and parameters");
  cmd->add_option("--allowed-origins", a->allowed_origins, "CORS origins, a JSON list")->capture_default_str();
  cmd->add_option("--allowed-methods", a->allowed_methods, "CORS methods, a JSON list")->capture_default_str();
  cmd->add_option("--allowed-headers", a->allowed_headers, "CORS headers, a JSON list")->capture_default_str();
  cmd->add_flag("--allow-credentials", a->allow_credentials, "CORS: allow credentials");
  cmd->add_flag("--enable-prompt-tokens-details", a->enable_prompt_tokens_details,
                "Report usage.prompt_tokens_details.cached_tokens (prefix-cache hits)");
  cmd->add_option("--metrics-port", a->metrics_port, "Also serve /metrics on this port (0: off)");
  cmd->add_flag("--legacy-metrics", a->legacy_metrics,
                "Also expose pre-V1 names (gpu_cache_usage_perc, time_per_output_token_seconds, ...)");
  cmd->add_flag("--enforce-eager", a->enforce_eager, "No CUDA graphs (CUDA backend)");
  ctx.on_run(cmd, [a] { return run_serve(*a); });
}

}  // namespace vllmctl
