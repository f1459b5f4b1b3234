// StreamTimer and timed_completion.
#include "cli/bench/stream_timing.h"

#include <fmt/format.h>

#include <chrono>

namespace vllmctl {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

bool StreamTimer::feed(const char* data, size_t size, double now_s) {
  buffer_.append(data, size);
  // Events end with a blank line; tolerate \r\n line ends.
  for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos || (end = buffer_.find("\r\n\r\n")) != std::string::npos;) {
    const size_t sep = buffer_.compare(end, 2, "\n\n") == 0 ? 2 : 4;
    const std::string block = buffer_.substr(0, end);
    buffer_.erase(0, end + sep);
    size_t pos = 0;
    while (pos < block.size()) {
      size_t nl = block.find('\n', pos);
      if (nl == std::string::npos) nl = block.size();
      std::string line = block.substr(pos, nl - pos);
      pos = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("data:", 0) != 0) continue;  // comments, event names
      std::string payload = line.substr(5);
      if (!payload.empty() && payload.front() == ' ') payload.erase(0, 1);
      if (!event(payload, now_s)) return false;
    }
  }
  return true;
}

bool StreamTimer::event(const std::string& payload, double now_s) {
  if (payload == "[DONE]") {
    done_ = true;
    return true;
  }
  const auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error_ = "malformed stream event: " + payload.substr(0, 200);
    return false;
  }
  if (j.contains("error")) {
    error_ = "error event: " + j["error"].dump();
    return false;
  }
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    got_usage_ = true;
    timing_.prompt_tokens = u->value("prompt_tokens", 0);
    timing_.output_tokens = u->value("completion_tokens", 0);
  }
  bool has_text = false;
  if (auto c = j.find("choices"); c != j.end() && c->is_array()) {
    for (const auto& choice : *c) {
      if (auto t = choice.find("text"); t != choice.end() && t->is_string() && !t->get<std::string>().empty()) has_text = true;
    }
  }
  if (has_text) {
    if (chunks_with_text_ == 0) {
      timing_.ttft_s = now_s - start_s_;
    } else {
      timing_.itl_s.push_back(now_s - last_chunk_s_);
    }
    last_chunk_s_ = now_s;
    ++chunks_with_text_;
  }
  return true;
}

RequestTiming StreamTimer::finish(double now_s) {
  RequestTiming t = timing_;
  t.e2e_s = now_s - start_s_;
  if (!got_usage_) t.output_tokens = chunks_with_text_;  // a server without usage chunks
  if (!error_.empty()) {
    t.error = error_;
  } else if (!done_) {
    t.error = "the stream ended without data: [DONE]";
  } else if (chunks_with_text_ == 0) {
    t.error = "the stream carried no text";
  } else {
    t.ok = true;
  }
  return t;
}

namespace {

class TimerSink : public HttpBodyHandler {
 public:
  explicit TimerSink(StreamTimer& timer) : timer_(timer) {}
  bool begin(const HttpResponse&) override { return true; }
  bool write(const char* data, size_t n) override { return timer_.feed(data, n, now_seconds()); }

 private:
  StreamTimer& timer_;
};

}  // namespace

RequestTiming timed_completion(HttpSession& session, const std::string& base_url, const std::string& api_key,
                               nlohmann::json body) {
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  HttpRequest req;
  req.method = "POST";
  req.url = base_url + "/v1/completions";
  req.body = body.dump();
  req.headers = {"Content-Type: application/json", "Accept: text/event-stream", "Expect:"};
  if (!api_key.empty()) req.headers.push_back("Authorization: Bearer " + api_key);
  req.connect_timeout_ms = 10'000;
  req.stall_timeout_ms = 600'000;
  const double start = now_seconds();
  StreamTimer timer(start);
  TimerSink sink(timer);
  try {
    const HttpResponse res = session.perform(req, &sink);
    if (res.status < 200 || res.status >= 300) {
      RequestTiming t;
      t.e2e_s = now_seconds() - start;
      t.error = fmt::format("HTTP {}: {}", res.status, res.body.substr(0, 300));
      return t;
    }
  } catch (const std::exception& e) {
    RequestTiming t = timer.finish(now_seconds());
    t.ok = false;
    if (t.error.empty()) t.error = e.what();
    return t;
  }
  return timer.finish(now_seconds());
}

}  // namespace vllmctl
