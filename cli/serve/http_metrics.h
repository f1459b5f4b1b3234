// The HTTP families vLLM's /metrics carries besides vllm:* (prometheus-fastapi-
// instrumentator's defaults, ../shared/reference/vllm-metrics.md section 8), kept in a
// prometheus-cpp Registry: http_requests_total{handler,method,status},
// http_request_size_bytes / http_response_size_bytes{handler} (summaries from
// Content-Length), http_request_duration_highr_seconds (no labels, present from start-up)
// and http_request_duration_seconds{handler,method}.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <set>
#include <string>
#include <string_view>

namespace vllmctl {

class HttpMetrics {
 public:
  // `routes`: the paths the server routes (anything else is handler "none").
  HttpMetrics(prometheus::Registry& registry, std::set<std::string> routes);

  // One finished request. Paths vLLM leaves out (/metrics, /health, /ping, /version,
  // /load, /server_info) are not counted. `status` is grouped as "2xx".."5xx".
  void observe(std::string_view path, std::string_view method, int status, double request_bytes,
               double response_bytes, double seconds);

  static bool excluded(std::string_view path);

 private:
  std::set<std::string> routes_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Summary>& request_size_;
  prometheus::Family<prometheus::Summary>& response_size_;
  prometheus::Histogram& duration_highr_;
  prometheus::Family<prometheus::Histogram>& duration_;
};

}  // namespace vllmctl
