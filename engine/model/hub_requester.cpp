// HubRequester: auth scoping, retries and metadata redirects (see hub_requester.h).
#include "engine/model/hub_requester.h"

#include "engine/model/hub_errors.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace vllmctl {

HubRequester::HubRequester(HubSettings settings)
    : settings_(std::move(settings)),
      endpoint_origin_(url_origin(settings_.endpoint)),
      session_(settings_.user_agent) {}

std::vector<std::string> HubRequester::auth_headers(const std::string& url) const {
  if (settings_.token.empty()) return {};
  std::string origin;
  try {
    origin = url_origin(url);
  } catch (const std::exception&) {
    return {};
  }
  if (origin != endpoint_origin_) return {};
  return {"Authorization: Bearer " + settings_.token};
}

void HubRequester::wait_before_retry(int attempt, const std::string& why,
                                     const HttpResponse* response) {
  int64_t wait_ms = settings_.retry_backoff_ms << std::min(attempt - 1, 3);
  if (response != nullptr) {
    const std::string retry_after = response->header("retry-after");
    if (!retry_after.empty() && std::all_of(retry_after.begin(), retry_after.end(),
                    [](char c) { return c >= '0' && c <= '9'; }) &&
        retry_after.size() < 6) {
      wait_ms = std::min<int64_t>(std::stoll(retry_after) * 1000, 30'000);
    }
  }
  if (retry_notice_) {
    retry_notice_(fmt::format("{}; retrying in {:.1f} s (attempt {} of {})", why,
                              static_cast<double>(wait_ms) / 1000.0, attempt + 1,
                              settings_.max_attempts));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
}

HttpResponse HubRequester::fetch(const std::string& method, const std::string& start_url,
                                 const std::vector<std::string>& extra_headers) {
  const int max_attempts = std::max(1, settings_.max_attempts);
  for (int attempt = 1;; ++attempt) {
    std::string url = start_url;
    try {
      for (int hops = 0;; ++hops) {
        HttpRequest request;
        request.method = method;
        request.url = url;
        request.headers = auth_headers(url);
        request.headers.insert(request.headers.end(), extra_headers.begin(), extra_headers.end());
        request.connect_timeout_ms = settings_.etag_timeout_ms;
        request.total_timeout_ms = settings_.etag_timeout_ms;
        HttpResponse response = session_.perform(request);
        const bool relative_redirect = response.status >= 300 && response.status < 400 &&
                                       !response.redirect_url.empty() &&
                                       is_relative_location(response.header("location"));
        if (relative_redirect && hops < 10) {
          url = response.redirect_url;
          continue;
        }
        if (is_retryable_status(response.status) && attempt < max_attempts) {
          wait_before_retry(attempt, fmt::format("{} answered HTTP {}", url, response.status),
                            &response);
          break;  // next attempt, from the start URL
        }
        return response;
      }
    } catch (const HttpTransportError& e) {
      if (!e.transient() || attempt >= max_attempts) {
        throw std::runtime_error(hub_network_message(url, e.what()));
      }
      wait_before_retry(attempt, fmt::format("{}: {}", url, e.what()), nullptr);
    }
  }
}

}  // namespace vllmctl
