// HttpMetrics: the instrumentator's families with its names, labels, buckets and help.
#include "cli/serve/http_metrics.h"

#include <array>

namespace vllmctl {

namespace {

prometheus::Histogram::BucketBoundaries highr_buckets() {
  return {0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0,
          2.5,  3.0,   3.5,  4.0,   4.5, 5.0,  7.5, 10.0, 30.0, 60.0};
}

}  // namespace

HttpMetrics::HttpMetrics(prometheus::Registry& registry, std::set<std::string> routes)
    : routes_(std::move(routes)),
      requests_(prometheus::BuildCounter()
                    .Name("http_requests_total")
                    .Help("Total number of requests by method, status and handler.")
                    .Register(registry)),
      request_size_(prometheus::BuildSummary()
                        .Name("http_request_size_bytes")
                        .Help("Content length of incoming requests by handler. Only value of header is respected. "
                              "Otherwise ignored. No percentile calculated. ")
                        .Register(registry)),
      response_size_(prometheus::BuildSummary()
                         .Name("http_response_size_bytes")
                         .Help("Content length of outgoing responses by handler. Only value of header is respected. "
                               "Otherwise ignored. No percentile calculated. ")
                         .Register(registry)),
      duration_highr_(prometheus::BuildHistogram()
                          .Name("http_request_duration_highr_seconds")
                          .Help("Latency with many buckets but no API specific labels. Made for more accurate "
                                "percentile calculations. ")
                          .Register(registry)
                          .Add({}, highr_buckets())),
      duration_(prometheus::BuildHistogram()
                    .Name("http_request_duration_seconds")
                    .Help("Latency with only few buckets by handler. Made to be only used if aggregation by handler "
                          "is important. ")
                    .Register(registry)) {}

bool HttpMetrics::excluded(std::string_view path) {
  static constexpr std::array<std::string_view, 6> kExcluded = {"/metrics", "/health", "/load",
                                                                "/ping",    "/version", "/server_info"};
  for (auto p : kExcluded) {
    if (path == p) return true;
  }
  return false;
}

void HttpMetrics::observe(std::string_view path, std::string_view method, int status, double request_bytes,
                          double response_bytes, double seconds) {
  if (excluded(path)) return;
  const std::string handler = routes_.count(std::string(path)) ? std::string(path) : "none";
  const std::string status_group = std::to_string(status / 100) + "xx";
  requests_.Add({{"handler", handler}, {"method", std::string(method)}, {"status", status_group}}).Increment();
  request_size_.Add({{"handler", handler}}, prometheus::Summary::Quantiles{}).Observe(request_bytes);
  response_size_.Add({{"handler", handler}}, prometheus::Summary::Quantiles{}).Observe(response_bytes);
  duration_highr_.Observe(seconds);
  duration_.Add({{"handler", handler}, {"method", std::string(method)}}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1.0})
      .Observe(seconds);
}

}  // namespace vllmctl
