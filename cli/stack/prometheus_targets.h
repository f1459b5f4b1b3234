// What Prometheus knows about its targets (/api/v1/targets), with each lastError mapped
// to its cause and fix (../shared/reference/stack-and-doctor.md section 4). Shared by
// `stack up`, `stack status` and `doctor`.
#pragma once

#include "cli/common/system.h"

#include <chrono>
#include <string>
#include <vector>

namespace vllmctl {

struct TargetState {
  std::string job, instance, scrape_url;
  std::string health;      // up | down | unknown
  std::string last_error;  // Prometheus' text, empty when healthy
  std::string hint;        // the fix for last_error, "" when healthy
};

// The fix for a scrape error text; a generic hint when the text is not one we know.
std::string scrape_error_hint(const std::string& last_error);

// Active targets of Prometheus at `base_url`. Throws std::runtime_error when it does
// not answer or answers something else.
std::vector<TargetState> fetch_target_states(const std::string& base_url, System& system);

// Polls /-/ready until 200 or `timeout`.
bool wait_prometheus_ready(const std::string& base_url, std::chrono::milliseconds timeout, System& system);

// Polls until no target is "unknown" (each was scraped once) or `timeout`; the last states.
std::vector<TargetState> wait_target_states(const std::string& base_url, std::chrono::milliseconds timeout,
                                            System& system);

// A Prometheus duration ("15s", "1m30s", "2h") as milliseconds; 0 when malformed.
std::chrono::milliseconds parse_duration(const std::string& text);

}  // namespace vllmctl
