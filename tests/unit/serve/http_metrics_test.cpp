// http_* metrics: the instrumentator's names, labels, buckets and exclusions, as /metrics
// prints them.
#include "cli/serve/http_metrics.h"
#include "cli/serve/prom_text.h"

#include <doctest/doctest.h>

using namespace vllmctl;

TEST_CASE("requests are counted by handler, method and status group; vLLM's excluded routes are not") {
  prometheus::Registry registry;
  HttpMetrics m(registry, {"/v1/completions", "/v1/models"});
  const std::string before = serialize_prometheus_text(registry.Collect());
  // Only the unlabelled latency histogram exists before the first request.
  CHECK(before.find("http_request_duration_highr_seconds_count 0.0\n") != std::string::npos);
  CHECK(before.find("http_requests_total{") == std::string::npos);

  m.observe("/v1/completions", "POST", 200, 120, 800, 0.3);
  m.observe("/v1/completions", "POST", 200, 100, 0, 0.02);
  m.observe("/v1/completions", "POST", 404, 50, 90, 0.001);
  m.observe("/no/such/path", "GET", 404, 0, 9, 0.001);
  m.observe("/metrics", "GET", 200, 0, 5000, 0.001);
  m.observe("/health", "GET", 200, 0, 0, 0.001);
  const std::string text = serialize_prometheus_text(registry.Collect());
  auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has("# TYPE http_requests_total counter");
  has("http_requests_total{handler=\"/v1/completions\",method=\"POST\",status=\"2xx\"} 2.0");
  has("http_requests_total{handler=\"/v1/completions\",method=\"POST\",status=\"4xx\"} 1.0");
  has("http_requests_total{handler=\"none\",method=\"GET\",status=\"4xx\"} 1.0");
  has("# TYPE http_request_size_bytes summary");
  has("http_request_size_bytes_count{handler=\"/v1/completions\"} 3.0");
  has("http_request_size_bytes_sum{handler=\"/v1/completions\"} 270.0");
  has("http_response_size_bytes_sum{handler=\"/v1/completions\"} 890.0");
  has("http_request_duration_highr_seconds_count 4.0");
  has("http_request_duration_highr_seconds_bucket{le=\"0.025\"} 3.0");
  has("http_request_duration_highr_seconds_bucket{le=\"60.0\"} 4.0");
  has("http_request_duration_seconds_bucket{handler=\"/v1/completions\",le=\"0.1\",method=\"POST\"} 2.0");
  has("http_request_duration_seconds_bucket{handler=\"/v1/completions\",le=\"0.5\",method=\"POST\"} 3.0");
  CHECK(text.find("handler=\"/metrics\"") == std::string::npos);
  CHECK(text.find("handler=\"/health\"") == std::string::npos);
}
