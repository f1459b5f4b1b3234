// How every hub request is made: the token only to the hub's own host, retries with
// backoff on 408/429/5xx and transient network errors, and huggingface_hub's redirect
// rule for metadata (relative redirects followed, absolute ones returned).
#pragma once

#include "engine/model/hub_http.h"
#include "engine/model/hub_settings.h"

#include <functional>
#include <string>
#include <vector>

namespace vllmctl {

class HubRequester {
 public:
  explicit HubRequester(HubSettings settings);

  const HubSettings& settings() const { return settings_; }
  HttpSession& session() { return session_; }

  // Called with a one-line note before each retry (for logs); may be empty.
  void set_retry_notice(std::function<void(const std::string&)> notice) {
    retry_notice_ = std::move(notice);
  }

  // "Authorization: Bearer <token>" when a token is set and `url` is on the endpoint's
  // origin (scheme, host, port); nothing for other hosts such as a CDN.
  std::vector<std::string> auth_headers(const std::string& url) const;

  // A metadata request (GET or HEAD, bodies in memory): relative redirects are followed
  // (up to 10), an absolute redirect is returned as the response. Retries retryable
  // statuses and transient failures up to settings().max_attempts; returns the last
  // response whatever its status. Throws std::runtime_error (hub_network_message) when
  // no response came.
  HttpResponse fetch(const std::string& method, const std::string& url,
                     const std::vector<std::string>& extra_headers = {});

  // Sleeps before retry number `attempt` (1-based): Retry-After when the server gave
  // one (capped at 30 s), else retry_backoff_ms * 2^(attempt-1), capped at 8x; and
  // reports `why` through the retry notice.
  void wait_before_retry(int attempt, const std::string& why, const HttpResponse* response);

 private:
  HubSettings settings_;
  std::string endpoint_origin_;
  HttpSession session_;
  std::function<void(const std::string&)> retry_notice_;
};

}  // namespace vllmctl
