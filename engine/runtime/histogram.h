// Histogram: fixed upper bounds, counts per bucket, sum and count, with vLLM's bucket
// sets. A plain value type: the engine owns and mutates it, /metrics reads a copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vllmctl {

struct Histogram {
  std::vector<double> upper_bounds;     // ascending; +Inf is implicit
  std::vector<uint64_t> bucket_counts;  // non-cumulative, size upper_bounds.size() + 1
  double sum = 0.0;
  uint64_t count = 0;

  explicit Histogram(std::vector<double> bounds = {});
  void observe(double value);
  // Cumulative count of observations <= upper_bounds[i] (i == size(): all of them).
  uint64_t cumulative(size_t i) const;
};

// vLLM's bucket sets (../shared/reference/vllm-metrics.md, section 4).
std::vector<double> ttft_buckets();
std::vector<double> itl_buckets();
std::vector<double> request_latency_buckets();
std::vector<double> iteration_tokens_buckets();
std::vector<double> params_n_buckets();
// 1, 2, 5, 10, 20, 50, ... keeping every value <= max_value.
std::vector<double> one_two_five_buckets(int64_t max_value);

}  // namespace vllmctl
