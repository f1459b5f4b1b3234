// Histogram and vLLM's bucket sets.
#include "engine/runtime/histogram.h"

#include <algorithm>

namespace vllmctl {

Histogram::Histogram(std::vector<double> bounds)
    : upper_bounds(std::move(bounds)), bucket_counts(upper_bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  // Prometheus buckets are "le": a value equal to a bound belongs to that bound.
  const auto it = std::lower_bound(upper_bounds.begin(), upper_bounds.end(), value);
  ++bucket_counts[static_cast<size_t>(it - upper_bounds.begin())];
  sum += value;
  ++count;
}

uint64_t Histogram::cumulative(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b < bucket_counts.size(); ++b) total += bucket_counts[b];
  return total;
}

std::vector<double> ttft_buckets() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
          1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
}

std::vector<double> itl_buckets() {
  return {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
          0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
}

std::vector<double> request_latency_buckets() {
  return {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0,
          30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
}

std::vector<double> iteration_tokens_buckets() {
  return {1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0};
}

std::vector<double> params_n_buckets() { return {1.0, 2.0, 5.0, 10.0, 20.0}; }

std::vector<double> one_two_five_buckets(int64_t max_value) {
  std::vector<double> out;
  for (double scale = 1.0;; scale *= 10.0) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (m * scale > static_cast<double>(max_value)) return out;
      out.push_back(m * scale);
    }
  }
}

}  // namespace vllmctl
