// The vllm:* metric families of vLLM v0.14's default set, built from an EngineStats
// snapshot with vLLM's names, types, label names and buckets
// (../shared/reference/vllm-metrics.md section 5.1), as prometheus-cpp families.
#pragma once

#include "engine/runtime/engine_stats.h"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vllmctl {

struct VllmMetricsInfo {
  std::string model_name;  // the served model name: label model_name
  std::string engine = "0";
  // vllm:cache_config_info's labels (besides engine), e.g. {"block_size", "16"}.
  std::vector<std::pair<std::string, std::string>> cache_config;
  // --legacy-metrics: also the pre-V1 names (gpu_cache_usage_perc, cpu_cache_usage_perc,
  // time_per_output_token_seconds, avg_{prompt,generation}_throughput_toks_per_s).
  bool legacy = false;
};

std::vector<prometheus::MetricFamily> vllm_metric_families(const EngineStats& stats, const VllmMetricsInfo& info);

// A prometheus::Collectable over a snapshot function, for a prometheus::Registry.
class VllmMetricsCollector : public prometheus::Collectable {
 public:
  VllmMetricsCollector(std::function<EngineStats()> snapshot, VllmMetricsInfo info)
      : snapshot_(std::move(snapshot)), info_(std::move(info)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    return vllm_metric_families(snapshot_(), info_);
  }

 private:
  std::function<EngineStats()> snapshot_;
  VllmMetricsInfo info_;
};

}  // namespace vllmctl
