// Prometheus text exposition written the way Python's prometheus_client writes it, which
// is what vLLM serves: values and `le` bounds as floatToGoString prints them ("1.0",
// "2.5e+06", "+Inf"), label names sorted, histogram buckets then _count then _sum, and a
// `_created` gauge family after every counter and histogram. Input is prometheus-cpp's
// data model, so anything registered in a prometheus::Registry can be printed.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace vllmctl {

// The content type /metrics answers with.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// prometheus_client's floatToGoString: Python's repr() of the float, with Go's switch to
// an exponent above 6 integer digits (1234567.0 -> "1.234567e+06").
std::string float_to_go_string(double value);

// `created_unix_s` (one per family, same order; empty: no _created families) is the
// creation time of each counter or histogram family; a negative entry: none for that
// family (prometheus_client's process collector writes no _created series).
std::string serialize_prometheus_text(const std::vector<prometheus::MetricFamily>& families,
                                      const std::vector<double>& created_unix_s = {});

}  // namespace vllmctl
