// What `bench serve` measures per request and how it summarizes a run, as `vllm bench
// serve` does: TTFT, TPOT (decode time per output token after the first), ITL (gaps
// between streamed chunks) and E2E latency, as mean / median / std / p90 / p99 in ms, with
// request and token throughput over the benchmark's duration.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace vllmctl {

struct RequestTiming {
  bool ok = false;
  std::string error;         // why it failed (status and message, or the transport error)
  double ttft_s = 0;         // first content chunk
  double e2e_s = 0;          // last byte
  std::vector<double> itl_s; // gaps between consecutive content chunks
  int prompt_tokens = 0;     // from the server's usage
  int output_tokens = 0;     // from the server's usage (chunks counted when it sends none)
};

struct LatencyStats {
  double mean_ms = 0, median_ms = 0, std_ms = 0, p90_ms = 0, p99_ms = 0;
};

// numpy.percentile's default (linear interpolation between closest ranks); 0 when empty.
double percentile(std::vector<double> values, double pct);
LatencyStats latency_stats(const std::vector<double>& seconds);

struct BenchSummary {
  int completed = 0, failed = 0;
  double duration_s = 0;
  long total_input_tokens = 0, total_output_tokens = 0;
  double request_throughput = 0, output_throughput = 0, total_token_throughput = 0;
  LatencyStats ttft, tpot, itl, e2el;
  std::vector<std::string> errors;  // the first few distinct failures
};

BenchSummary summarize(const std::vector<RequestTiming>& results, double duration_s);

// vLLM's result table, and its JSON keys (completed, duration, mean_ttft_ms, p99_itl_ms, ...).
std::string format_summary(const BenchSummary& s);
nlohmann::json summary_json(const BenchSummary& s);

}  // namespace vllmctl
