// One-line messages for hub failures, each saying what went wrong and the fix
// (HF_TOKEN for 401/403, the id for 404, the network or HF_ENDPOINT for failures).
#pragma once

#include "engine/model/hub_http.h"

#include <string>
#include <string_view>

namespace vllmctl {

// What a failed request was about, for the message.
struct HubErrorContext {
  std::string endpoint;
  std::string repo_id;
  std::string revision;
  std::string file;        // empty for repo-level requests (the API listing)
  bool have_token = false;
};

// For an HTTP status >= 400 from the hub or its CDN. Reads X-Error-Code
// (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and an {"error": ...} body.
std::string hub_status_message(const HttpResponse& response, const HubErrorContext& context);

// For a request that got no response (after retries).
std::string hub_network_message(const std::string& url, const std::string& detail);

// 408, 429 and 5xx: worth another attempt.
bool is_retryable_status(long status);

}  // namespace vllmctl
