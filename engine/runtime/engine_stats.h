// EngineStats: everything the vllm:* metrics need, kept by the engine thread and read
// as a snapshot (a copy under a mutex) by /metrics and the periodic log line. Semantics
// follow ../shared/reference/vllm-metrics.md section 9.
#pragma once

#include "engine/runtime/histogram.h"

#include <array>
#include <cstdint>

namespace vllmctl {

// Index of finished_reason label values, in vLLM's order.
enum class FinishedReasonLabel { kStop = 0, kLength = 1, kAbort = 2, kError = 3 };
inline constexpr std::array<const char*, 4> kFinishedReasonNames = {"stop", "length", "abort", "error"};

struct EngineStats {
  explicit EngineStats(int64_t max_model_len = 4096);

  // Gauges, from the latest step.
  int num_requests_running = 0;
  int num_requests_waiting = 0;
  double kv_cache_usage_perc = 0.0;  // 0..1, used blocks / total

  // Counters.
  uint64_t prompt_tokens_total = 0;      // whole prompt, when its first token is produced
  uint64_t generation_tokens_total = 0;
  uint64_t num_preemptions_total = 0;
  uint64_t prefix_cache_queries_total = 0;  // tokens
  uint64_t prefix_cache_hits_total = 0;     // tokens
  std::array<uint64_t, 4> request_success_total{};  // by FinishedReasonLabel

  // Per finished request (finished inside the engine; client aborts are not observed).
  Histogram request_prompt_tokens, request_generation_tokens, request_max_num_generation_tokens,
      request_params_n, request_params_max_tokens, request_prefill_kv_computed_tokens;
  Histogram e2e_request_latency_seconds, request_queue_time_seconds,
      request_inference_time_seconds, request_prefill_time_seconds, request_decode_time_seconds,
      request_time_per_output_token_seconds;
  // Per token / step.
  Histogram time_to_first_token_seconds, inter_token_latency_seconds, iteration_tokens_total;

  // Prompt and generation tokens per second over the last stats interval (the log
  // line's figures; also the legacy avg_*_throughput_toks_per_s gauges).
  double avg_prompt_throughput_toks_per_s = 0.0;
  double avg_generation_throughput_toks_per_s = 0.0;

  // Not metrics: for the periodic log line and benchmarks.
  uint64_t num_steps = 0;
};

}  // namespace vllmctl
