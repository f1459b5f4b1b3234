// ProcessCollector: prometheus_client's ProcessCollector, in C++ over procfs.
#include "cli/serve/process_metrics.h"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace vllmctl {

namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

MetricFamily single(const std::string& name, const std::string& help, MetricType type, double value) {
  MetricFamily f{name, help, type, {}};
  f.metric.emplace_back();
  if (type == MetricType::Counter) {
    f.metric.back().counter.value = value;
  } else {
    f.metric.back().gauge.value = value;
  }
  return f;
}

}  // namespace

ProcessCollector::ProcessCollector(std::filesystem::path proc_self, std::filesystem::path proc_root)
    : self_(std::move(proc_self)), root_(std::move(proc_root)), ticks_per_s_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)) {}

std::vector<MetricFamily> ProcessCollector::Collect() const {
  std::vector<MetricFamily> out;
  try {
    collect_into(out);
  } catch (const std::exception&) {  // a malformed procfs file: report what was read
  }
  return out;
}

void ProcessCollector::collect_into(std::vector<MetricFamily>& out) const {
  // /proc/self/stat: fields after the parenthesised command name (which may hold spaces).
  if (auto stat = read_text(self_ / "stat")) {
    const auto close = stat->rfind(')');
    if (close != std::string::npos) {
      std::istringstream fields(stat->substr(close + 2));
      std::vector<std::string> f;
      for (std::string v; fields >> v;) f.push_back(v);
      // f[0] is field 3 (state): utime = field 14, stime 15, starttime 22, vsize 23, rss 24.
      if (f.size() >= 22) {
        const double ticks = static_cast<double>(ticks_per_s_);
        out.push_back(single("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
                             std::stod(f[20])));
        out.push_back(single("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
                             std::stod(f[21]) * static_cast<double>(page_size_)));
        if (auto boot = read_text(root_ / "stat")) {
          const auto at = boot->find("\nbtime ");
          if (at != std::string::npos) {
            const double btime = std::stod(boot->substr(at + 7));
            out.push_back(single("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                                 MetricType::Gauge, btime + std::stod(f[19]) / ticks));
          }
        }
        out.push_back(single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                             MetricType::Counter, (std::stod(f[11]) + std::stod(f[12])) / ticks));
      }
    }
  }
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator(self_ / "fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) out.push_back(single("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, fds));
  if (auto limits = read_text(self_ / "limits")) {
    const auto at = limits->find("Max open files");
    if (at != std::string::npos) {
      std::istringstream line(limits->substr(at + 14));
      std::string soft;
      line >> soft;
      if (!soft.empty() && soft != "unlimited") {
        out.push_back(single("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
                             std::stod(soft)));
      }
    }
  }
}

}  // namespace vllmctl
