// Percentiles and the result table of `bench serve`.
#include "cli/bench/latency_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

namespace vllmctl {

double percentile(std::vector<double> values, double pct) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double rank = pct / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

LatencyStats latency_stats(const std::vector<double>& seconds) {
  LatencyStats s;
  if (seconds.empty()) return s;
  const double n = static_cast<double>(seconds.size());
  const double mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / n;
  double var = 0;
  for (double v : seconds) var += (v - mean) * (v - mean);
  s.mean_ms = mean * 1000;
  s.std_ms = std::sqrt(var / n) * 1000;  // numpy's std (population)
  s.median_ms = percentile(seconds, 50) * 1000;
  s.p90_ms = percentile(seconds, 90) * 1000;
  s.p99_ms = percentile(seconds, 99) * 1000;
  return s;
}

BenchSummary summarize(const std::vector<RequestTiming>& results, double duration_s) {
  BenchSummary s;
  s.duration_s = duration_s;
  std::vector<double> ttft, tpot, itl, e2el;
  std::set<std::string> seen;
  for (const auto& r : results) {
    if (!r.ok) {
      ++s.failed;
      if (s.errors.size() < 5 && seen.insert(r.error).second) s.errors.push_back(r.error);
      continue;
    }
    ++s.completed;
    s.total_input_tokens += r.prompt_tokens;
    s.total_output_tokens += r.output_tokens;
    ttft.push_back(r.ttft_s);
    e2el.push_back(r.e2e_s);
    itl.insert(itl.end(), r.itl_s.begin(), r.itl_s.end());
    if (r.output_tokens > 1) tpot.push_back((r.e2e_s - r.ttft_s) / (r.output_tokens - 1));
  }
  if (duration_s > 0) {
    s.request_throughput = s.completed / duration_s;
    s.output_throughput = static_cast<double>(s.total_output_tokens) / duration_s;
    s.total_token_throughput = static_cast<double>(s.total_input_tokens + s.total_output_tokens) / duration_s;
  }
  s.ttft = latency_stats(ttft);
  s.tpot = latency_stats(tpot);
  s.itl = latency_stats(itl);
  s.e2el = latency_stats(e2el);
  return s;
}

std::string format_summary(const BenchSummary& s) {
  std::string out;
  auto line = [&](const std::string& label, const std::string& value) { out += fmt::format("{:<40} {:<10}\n", label, value); };
  auto num = [](double v) { return fmt::format("{:.2f}", v); };
  auto section = [&](const std::string& title, const std::string& key, const LatencyStats& l) {
    out += fmt::format("{:-^50}\n", title);
    line(fmt::format("Mean {} (ms):", key), num(l.mean_ms));
    line(fmt::format("Median {} (ms):", key), num(l.median_ms));
    line(fmt::format("P90 {} (ms):", key), num(l.p90_ms));
    line(fmt::format("P99 {} (ms):", key), num(l.p99_ms));
  };
  out += fmt::format("{:=^50}\n", " Serving Benchmark Result ");
  line("Successful requests:", std::to_string(s.completed));
  if (s.failed) line("Failed requests:", std::to_string(s.failed));
  line("Benchmark duration (s):", num(s.duration_s));
  line("Total input tokens:", std::to_string(s.total_input_tokens));
  line("Total generated tokens:", std::to_string(s.total_output_tokens));
  line("Request throughput (req/s):", num(s.request_throughput));
  line("Output token throughput (tok/s):", num(s.output_throughput));
  line("Total Token throughput (tok/s):", num(s.total_token_throughput));
  section("Time to First Token", "TTFT", s.ttft);
  section("Time per Output Token (excl. 1st token)", "TPOT", s.tpot);
  section("Inter-token Latency", "ITL", s.itl);
  section("End-to-end Latency", "E2EL", s.e2el);
  out += std::string(50, '=') + "\n";
  for (const auto& e : s.errors) out += "failure: " + e + "\n";
  return out;
}

nlohmann::json summary_json(const BenchSummary& s) {
  nlohmann::json j = {{"completed", s.completed},
                      {"failed", s.failed},
                      {"duration", s.duration_s},
                      {"total_input_tokens", s.total_input_tokens},
                      {"total_output_tokens", s.total_output_tokens},
                      {"request_throughput", s.request_throughput},
                      {"output_throughput", s.output_throughput},
                      {"total_token_throughput", s.total_token_throughput},
                      {"errors", s.errors}};
  auto add = [&](const std::string& key, const LatencyStats& l) {
    j["mean_" + key + "_ms"] = l.mean_ms;
    j["median_" + key + "_ms"] = l.median_ms;
    j["std_" + key + "_ms"] = l.std_ms;
    j["p90_" + key + "_ms"] = l.p90_ms;
    j["p99_" + key + "_ms"] = l.p99_ms;
  };
  add("ttft", s.ttft);
  add("tpot", s.tpot);
  add("itl", s.itl);
  add("e2el", s.e2el);
  return j;
}

}  // namespace vllmctl
