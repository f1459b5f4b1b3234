// One streamed /v1/completions request timed the way `vllm bench serve` times it: the
// first chunk with text is the first token, each later one adds an inter-token gap, and
// the usage chunk (stream_options.include_usage) gives the token counts.
#pragma once

#include "cli/bench/latency_summary.h"
#include "engine/model/hub_http.h"

#include <nlohmann/json.hpp>

#include <string>

namespace vllmctl {

// Reads SSE `data:` events from a body delivered in arbitrary pieces and times them.
// Separate from the transport so tests can feed it bytes and times.
class StreamTimer {
 public:
  explicit StreamTimer(double start_s) : start_s_(start_s) {}
  // `now_s` on the same clock as start_s. Returns false on a malformed event.
  bool feed(const char* data, size_t size, double now_s);
  // Call once the body ended; fills ok / error / counts.
  RequestTiming finish(double now_s);

 private:
  bool event(const std::string& payload, double now_s);

  double start_s_;
  std::string buffer_;
  RequestTiming timing_;
  double last_chunk_s_ = -1;
  int chunks_with_text_ = 0;
  bool got_usage_ = false;
  bool done_ = false;
  std::string error_;
};

// POSTs `body` (stream: true is set) to base_url + "/v1/completions" over `session`.
// Never throws: transport errors and non-2xx answers come back as ok = false.
RequestTiming timed_completion(HttpSession& session, const std::string& base_url, const std::string& api_key,
                               nlohmann::json body);

}  // namespace vllmctl
