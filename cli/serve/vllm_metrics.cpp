// vllm_metric_families: EngineStats -> prometheus-cpp families, in vLLM's order.
#include "cli/serve/vllm_metrics.h"

#include <limits>

namespace vllmctl {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class Builder {
 public:
  explicit Builder(const VllmMetricsInfo& info) : base_{{"engine", info.engine}, {"model_name", info.model_name}} {}

  // Consecutive calls with the same name add series to one family.
  void gauge(const std::string& name, const std::string& help, double value,
             std::vector<ClientMetric::Label> extra = {}) {
    MetricFamily& f = family(name, help, MetricType::Gauge);
    f.metric.push_back(metric(std::move(extra)));
    f.metric.back().gauge.value = value;
  }
  void counter(const std::string& name, const std::string& help, double value,
               std::vector<ClientMetric::Label> extra = {}) {
    MetricFamily& f = family(name, help, MetricType::Counter);
    f.metric.push_back(metric(std::move(extra)));
    f.metric.back().counter.value = value;
  }
  void histogram(const std::string& name, const std::string& help, const Histogram& h) {
    MetricFamily& f = family(name, help, MetricType::Histogram);
    ClientMetric m = metric({});
    m.histogram.sample_count = h.count;
    m.histogram.sample_sum = h.sum;
    for (size_t i = 0; i <= h.upper_bounds.size(); ++i) {
      const double bound = i < h.upper_bounds.size() ? h.upper_bounds[i] : std::numeric_limits<double>::infinity();
      m.histogram.bucket.push_back({h.cumulative(i), bound});
    }
    f.metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> take() { return std::move(families_); }

 private:
  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    if (families_.empty() || families_.back().name != "vllm:" + name) {
      families_.push_back(MetricFamily{"vllm:" + name, help, type, {}});
    }
    return families_.back();
  }
  ClientMetric metric(std::vector<ClientMetric::Label> extra) const {
    ClientMetric m;
    m.label = base_;
    for (auto& l : extra) m.label.push_back(std::move(l));
    return m;
  }

  std::vector<ClientMetric::Label> base_;
  std::vector<MetricFamily> families_;
};

}  // namespace

std::vector<MetricFamily> vllm_metric_families(const EngineStats& s, const VllmMetricsInfo& info) {
  Builder b(info);
  b.gauge("num_requests_running", "Requests in the running set (in model execution batches).", s.num_requests_running);
  b.gauge("num_requests_waiting", "Requests in the waiting queue.", s.num_requests_waiting);
  // Never asleep: awake = 1, the two sleep levels 0.
  const char* sleep_help = "Sleep state of the engine: awake, weights_offloaded (level 1) or discard_all (level 2).";
  b.gauge("engine_sleep_state", sleep_help, 1.0, {{"sleep_state", "awake"}});
  b.gauge("engine_sleep_state", sleep_help, 0.0, {{"sleep_state", "weights_offloaded"}});
  b.gauge("engine_sleep_state", sleep_help, 0.0, {{"sleep_state", "discard_all"}});
  b.gauge("kv_cache_usage_perc", "Fraction of KV cache blocks in use (1 = full).", s.kv_cache_usage_perc);
  b.counter("prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.",
            static_cast<double>(s.prefix_cache_queries_total));
  b.counter("prefix_cache_hits_total", "Prompt tokens found in the prefix cache.",
            static_cast<double>(s.prefix_cache_hits_total));
  b.counter("external_prefix_cache_queries_total", "Tokens looked up in a cross-instance KV cache (none here).", 0);
  b.counter("external_prefix_cache_hits_total", "Tokens served by a cross-instance KV cache (none here).", 0);
  b.counter("mm_cache_queries_total", "Multimodal cache lookups (text-only engine: 0).", 0);
  b.counter("mm_cache_hits_total", "Multimodal cache hits (text-only engine: 0).", 0);
  b.counter("num_preemptions_total", "Requests preempted because the KV cache was full.",
            static_cast<double>(s.num_preemptions_total));
  b.counter("prompt_tokens_total", "Prompt tokens, counted when a request produces its first token.",
            static_cast<double>(s.prompt_tokens_total));
  b.counter("generation_tokens_total", "Generated tokens.", static_cast<double>(s.generation_tokens_total));
  for (size_t i = 0; i < kFinishedReasonNames.size(); ++i) {
    b.counter("request_success_total", "Requests that finished in the engine, by finish reason.",
              static_cast<double>(s.request_success_total[i]), {{"finished_reason", kFinishedReasonNames[i]}});
  }
  b.histogram("request_prompt_tokens", "Prompt length of finished requests.", s.request_prompt_tokens);
  b.histogram("request_generation_tokens", "Generated length of finished requests.", s.request_generation_tokens);
  b.histogram("iteration_tokens_total", "Prompt and generation tokens per engine step.", s.iteration_tokens_total);
  b.histogram("request_max_num_generation_tokens", "Longest generation among a request's n samples.",
              s.request_max_num_generation_tokens);
  b.histogram("request_params_n", "The n parameter of finished requests.", s.request_params_n);
  b.histogram("request_params_max_tokens", "The max_tokens parameter of finished requests.", s.request_params_max_tokens);
  b.histogram("time_to_first_token_seconds", "Seconds from arrival to the first token.", s.time_to_first_token_seconds);
  b.histogram("inter_token_latency_seconds", "Seconds between consecutive output tokens.", s.inter_token_latency_seconds);
  b.histogram("request_time_per_output_token_seconds", "Decode time per output token of each finished request.",
              s.request_time_per_output_token_seconds);
  b.histogram("e2e_request_latency_seconds", "Seconds from arrival to finish.", s.e2e_request_latency_seconds);
  b.histogram("request_queue_time_seconds", "Seconds waiting before first scheduled.", s.request_queue_time_seconds);
  b.histogram("request_inference_time_seconds", "Seconds from first scheduled to the last token.",
              s.request_inference_time_seconds);
  b.histogram("request_prefill_time_seconds", "Seconds from first scheduled to the first token.",
              s.request_prefill_time_seconds);
  b.histogram("request_decode_time_seconds", "Seconds from the first token to the last.", s.request_decode_time_seconds);
  b.histogram("request_prefill_kv_computed_tokens", "Prompt tokens computed in prefill (cache hits excluded).",
              s.request_prefill_kv_computed_tokens);
  if (info.legacy) {
    // The pre-V1 names older dashboards query (reference section 7), from the same data.
    b.gauge("gpu_cache_usage_perc", "Legacy name of kv_cache_usage_perc.", s.kv_cache_usage_perc);
    b.gauge("cpu_cache_usage_perc", "Legacy: CPU swap space usage (no swap in this engine: 0).", 0.0);
    b.histogram("time_per_output_token_seconds", "Legacy name of inter_token_latency_seconds.",
                s.inter_token_latency_seconds);
    b.gauge("avg_prompt_throughput_toks_per_s", "Legacy: prompt tokens per second over the last stats interval.",
            s.avg_prompt_throughput_toks_per_s);
    b.gauge("avg_generation_throughput_toks_per_s",
            "Legacy: generated tokens per second over the last stats interval.", s.avg_generation_throughput_toks_per_s);
    b.counter("gpu_prefix_cache_queries_total", "Legacy name of prefix_cache_queries_total.",
              static_cast<double>(s.prefix_cache_queries_total));
    b.counter("gpu_prefix_cache_hits_total", "Legacy name of prefix_cache_hits_total.",
              static_cast<double>(s.prefix_cache_hits_total));
    b.gauge("num_requests_swapped", "Legacy: requests swapped to CPU (no swapping in this engine: 0).", 0.0);
  }
  std::vector<MetricFamily> families = b.take();
  // cache_config_info carries only the config labels and engine (not model_name).
  MetricFamily cache{"vllm:cache_config_info", "Information of the LLMEngine CacheConfig", MetricType::Gauge, {}};
  ClientMetric m;
  m.label.reserve(info.cache_config.size() + 1);
  for (const auto& [k, v] : info.cache_config) m.label.push_back({k, v});
  m.label.push_back({"engine", info.engine});
  m.gauge.value = 1.0;
  cache.metric.push_back(std::move(m));

  families.push_back(std::move(cache));
  return families;
}

}  // namespace vllmctl
