// process_* metrics as Python's prometheus_client reports them on vLLM's /metrics
// (single API-server mode): virtual and resident memory, start time, CPU seconds, open
// and max file descriptors, read from procfs on every scrape.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <filesystem>
#include <vector>

namespace vllmctl {

class ProcessCollector : public prometheus::Collectable {
 public:
  // `proc_self`: the process's procfs directory; `proc_root`: procfs itself (for btime).
  // Tests point both at a fake tree.
  explicit ProcessCollector(std::filesystem::path proc_self = "/proc/self",
                            std::filesystem::path proc_root = "/proc");

  // Families for what could be read; an unreadable file drops its metrics, never throws.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  void collect_into(std::vector<prometheus::MetricFamily>& out) const;  // throws on malformed files

  std::filesystem::path self_, root_;
  long ticks_per_s_;
  long page_size_;
};

}  // namespace vllmctl
