// Request: one sequence in the engine, from arrival to finish. Owned by the engine;
// the scheduler holds pointers. REQUIRES: engine thread for every mutation.
#pragma once

#include "engine/core/block_manager.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace vllmctl {

using Clock = std::chrono::steady_clock;

enum class RequestStatus { kWaiting, kRunning, kFinished };

// vLLM's finished_reason label values: stop, length, abort (and error, never used here).
enum class FinishReason { kNone, kStop, kLength, kAbort };

struct Request {
  uint64_t id = 0;
  std::vector<TokenId> token_ids;  // prompt, then every generated token
  int num_prompt_tokens = 0;
  int max_tokens = 16;             // generated tokens at most

  RequestStatus status = RequestStatus::kWaiting;
  FinishReason finish_reason = FinishReason::kNone;
  int num_computed_tokens = 0;     // tokens whose KV is in the cache
  int num_cached_tokens = -1;      // prefix-cache hit at first scheduling; -1 before it
  int num_preemptions = 0;
  BlockTable block_table;

  // Engine-side event times (vLLM: QUEUED, first SCHEDULED, first and last token).
  Clock::time_point queued_at{};
  std::optional<Clock::time_point> first_scheduled_at;
  std::optional<Clock::time_point> first_token_at;
  std::optional<Clock::time_point> last_token_at;

  int num_tokens() const { return static_cast<int>(token_ids.size()); }
  int num_output_tokens() const { return num_tokens() - num_prompt_tokens; }
  bool finished() const { return status == RequestStatus::kFinished; }
};

}  // namespace vllmctl
