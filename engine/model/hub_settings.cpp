// Hub client settings from the environment, mirroring huggingface_hub's constants.py.
#include "engine/model/hub_settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace vllmctl {

namespace {

std::string get(const EnvLookup& lookup, const char* name) {
  const char* v = lookup(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

int64_t seconds_to_ms(const std::string& text, int64_t fallback_ms, const char* name) {
  if (text.empty()) return fallback_ms;
  try {
    size_t used = 0;
    double seconds = std::stod(text, &used);
    if (used == text.size() && seconds > 0) return static_cast<int64_t>(seconds * 1000.0);
  } catch (const std::exception&) {
  }
  throw std::runtime_error(std::string(name) + "='" + text +
                           "' is not a positive number of seconds");
}

}  // namespace

bool env_value_is_true(const char* value) {
  if (value == nullptr) return false;
  std::string v = trim(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

HubSettings hub_settings_from_env(const EnvLookup& lookup_arg) {
  const EnvLookup lookup =
      lookup_arg ? lookup_arg : EnvLookup([](const char* name) { return std::getenv(name); });
  HubSettings s;

  std::string endpoint = get(lookup, "HF_ENDPOINT");
  if (!endpoint.empty()) {
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    s.endpoint = endpoint;
  }

  std::filesystem::path hf_home;
  if (std::string v = get(lookup, "HF_HOME"); !v.empty()) {
    hf_home = v;
  } else if (std::string xdg = get(lookup, "XDG_CACHE_HOME"); !xdg.empty()) {
    hf_home = std::filesystem::path(xdg) / "huggingface";
  } else {
    std::string home = get(lookup, "HOME");
    hf_home = std::filesystem::path(home.empty() ? "/" : home) / ".cache" / "huggingface";
  }
  if (std::string v = get(lookup, "HF_HUB_CACHE"); !v.empty()) {
    s.cache_dir = v;
  } else if (std::string legacy = get(lookup, "HUGGINGFACE_HUB_CACHE"); !legacy.empty()) {
    s.cache_dir = legacy;
  } else {
    s.cache_dir = hf_home / "hub";
  }

  if (std::string v = trim(get(lookup, "HF_TOKEN")); !v.empty()) {
    s.token = v;
  } else if (std::string legacy = trim(get(lookup, "HUGGING_FACE_HUB_TOKEN")); !legacy.empty()) {
    s.token = legacy;
  } else {
    std::string token_path = get(lookup, "HF_TOKEN_PATH");
    std::ifstream in(token_path.empty() ? hf_home / "token" : std::filesystem::path(token_path));
    std::string line;
    if (in && std::getline(in, line)) s.token = trim(line);
  }

  s.offline = env_value_is_true(lookup("HF_HUB_OFFLINE")) ||
              env_value_is_true(lookup("TRANSFORMERS_OFFLINE"));
  s.etag_timeout_ms =
      seconds_to_ms(get(lookup, "HF_HUB_ETAG_TIMEOUT"), s.etag_timeout_ms, "HF_HUB_ETAG_TIMEOUT");
  s.download_timeout_ms = seconds_to_ms(get(lookup, "HF_HUB_DOWNLOAD_TIMEOUT"),
                                        s.download_timeout_ms, "HF_HUB_DOWNLOAD_TIMEOUT");
  return s;
}

}  // namespace vllmctl
