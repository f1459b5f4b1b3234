// A small libcurl session for the hub client and `bench serve`: one request at a time, redirects never
// followed automatically (the caller decides where to go and which headers to send),
// bodies either collected in memory or streamed to a handler.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl {

struct HttpRequest {
  std::string method = "GET";        // "GET", "HEAD" or "POST"
  std::string url;
  std::string body;                  // POST only: sent as given (set Content-Type in headers)
  std::vector<std::string> headers;  // "Name: value" lines, sent as given
  int64_t connect_timeout_ms = 10'000;
  int64_t total_timeout_ms = 0;      // 0: no limit on the whole transfer
  int64_t stall_timeout_ms = 0;      // 0: none; else abort when no byte arrives this long
};

struct HttpResponse {
  long status = 0;
  std::string url;                              // the URL that was requested
  std::map<std::string, std::string> headers;   // names lower-cased; the last value wins
  std::string body;           // error bodies and in-memory bodies (capped), else empty
  std::string redirect_url;   // for 3xx: the Location resolved against `url`

  // The header's value, or "" when absent. `name` must be lower case.
  std::string header(std::string_view name) const;
};

// No HTTP response at all: DNS, connect, TLS, timeout, connection reset mid-body.
// what() is curl's description, without the URL (the caller knows it).
class HttpTransportError : public std::runtime_error {
 public:
  HttpTransportError(const std::string& message, int curl_code, bool transient)
      : std::runtime_error(message), curl_code_(curl_code), transient_(transient) {}
  int curl_code() const { return curl_code_; }
  // True when trying again may succeed (timeouts, resets, refused connections).
  bool transient() const { return transient_; }

 private:
  int curl_code_;
  bool transient_;
};

// Receives the body of a 2xx response instead of HttpResponse::body.
class HttpBodyHandler {
 public:
  virtual ~HttpBodyHandler() = default;
  // Called once, before the first body byte, with the status and headers known.
  // Returning false aborts the transfer (HttpTransportError, not transient).
  virtual bool begin(const HttpResponse& head) = 0;
  virtual bool write(const char* data, size_t num_bytes) = 0;  // false aborts
  // Body bytes received so far in this response.
  virtual void progress(uint64_t received_bytes) { (void)received_bytes; }
};

class HttpSession {
 public:
  explicit HttpSession(std::string user_agent);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Performs `request` without following redirects. 2xx bodies go to `handler` when
  // given, else into HttpResponse::body (up to max_body_bytes, then it fails); other
  // bodies are kept up to 64 KiB. Throws HttpTransportError when no complete response
  // arrives. Reuses connections between calls. REQUIRES: one thread at a time.
  HttpResponse perform(const HttpRequest& request, HttpBodyHandler* handler = nullptr,
                       size_t max_body_bytes = 64u << 20);

 private:
  void* curl_;  // CURL*
  std::string user_agent_;
};

// "scheme://host:port" in lower case, with the default port filled in; throws on a
// URL curl cannot parse. Two URLs are on the same host when their origins are equal.
std::string url_origin(const std::string& url);

// True when a Location header has no scheme and no host (e.g. "/org/name/resolve/...").
bool is_relative_location(std::string_view location);

}  // namespace vllmctl
