// Messages for hub failures (see hub_errors.h).
#include "engine/model/hub_errors.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vllmctl {

namespace {

// The server's own explanation: {"error": "..."} bodies, else nothing.
std::string server_detail(const HttpResponse& response) {
  auto parsed = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
    std::string text = parsed["error"].get<std::string>();
    if (text.size() > 200) text = text.substr(0, 200) + "...";
    for (char& c : text) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return text;
  }
  return {};
}

}  // namespace

bool is_retryable_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status < 600);
}

std::string hub_status_message(const HttpResponse& response, const HubErrorContext& ctx) {
  const std::string code = response.header("x-error-code");
  const long status = response.status;
  if (code == "RepoNotFound" || (status == 404 && ctx.file.empty() && code.empty())) {
    return fmt::format(
        "repository not found: {} on {} (check the model id; for a private repo set HF_TOKEN)",
        ctx.repo_id, ctx.endpoint);
  }
  if (code == "RevisionNotFound") {
    return fmt::format("revision not found: '{}' in {} (check --revision)", ctx.revision,
                       ctx.repo_id);
  }
  if (code == "EntryNotFound" || status == 404) {
    return fmt::format("file not found: {} in {} at revision {}", ctx.file, ctx.repo_id,
                       ctx.revision);
  }
  if (status == 401 || status == 403 || code == "GatedRepo") {
    if (!ctx.have_token) {
      return fmt::format("access denied to {}: set HF_TOKEN (gated or private model)",
                         ctx.repo_id);
    }
    return fmt::format(
        "access denied to {} with the token from HF_TOKEN: check the token, and for a gated "
        "model accept its terms at {}/{}",
        ctx.repo_id, ctx.endpoint, ctx.repo_id);
  }
  const std::string detail = server_detail(response);
  return fmt::format("{}: HTTP {}{}{}", response.url, status, detail.empty() ? "" : ": ", detail);
}

std::string hub_network_message(const std::string& url, const std::string& detail) {
  return fmt::format(
      "network error: cannot reach {}: {} (check the connection, proxy settings or HF_ENDPOINT; "
      "HF_HUB_OFFLINE=1 uses only the local cache)",
      url, detail);
}

}  // namespace vllmctl
