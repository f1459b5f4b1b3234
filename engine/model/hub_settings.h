// Hub client settings, read from the environment the way huggingface_hub reads them
// (HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE, timeouts).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace vllmctl {

struct HubSettings {
  std::string endpoint = "https://huggingface.co";  // no trailing '/'
  std::filesystem::path cache_dir;                   // the hub cache root (models--*/...)
  std::string token;                                 // empty: no authorization header
  bool offline = false;                              // no network at all
  int64_t etag_timeout_ms = 10'000;     // metadata requests (HEAD, API listing)
  int64_t download_timeout_ms = 10'000; // a download stalled this long is retried
  int max_attempts = 5;                 // per request, counting the first
  int64_t retry_backoff_ms = 1'000;     // doubled after each failed attempt, capped at 8x
  std::string user_agent = "vllmctl";
};

// Returns the value of an environment variable, or nullptr when unset.
using EnvLookup = std::function<const char*(const char*)>;

// Reads the settings from the environment (default: the process environment):
//   HF_ENDPOINT (trailing '/' stripped); cache HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE,
//   else $HF_HOME/hub, HF_HOME defaulting to $XDG_CACHE_HOME/huggingface, else
//   ~/.cache/huggingface; token HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the first
//   line of HF_TOKEN_PATH (default $HF_HOME/token); offline when HF_HUB_OFFLINE or
//   TRANSFORMERS_OFFLINE is 1/ON/YES/TRUE; HF_HUB_ETAG_TIMEOUT and
//   HF_HUB_DOWNLOAD_TIMEOUT in seconds.
HubSettings hub_settings_from_env(const EnvLookup& lookup = {});

// huggingface_hub's truthiness: 1, ON, YES, TRUE in any case.
bool env_value_is_true(const char* value);

}  // namespace vllmctl
