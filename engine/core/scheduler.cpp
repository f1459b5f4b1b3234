// Scheduler::schedule() and the bookkeeping around it.
#include "engine/core/scheduler.h"

#include <algorithm>
#include <cassert>
#include <fmt/format.h>

namespace vllmctl {

Scheduler::Scheduler(const SchedulerConfig& config, BlockManager& blocks)
    : config_(config), blocks_(blocks) {}

std::string Scheduler::check_fits(const Request& request) const {
  const int longest = std::min(request.num_prompt_tokens + request.max_tokens, config_.max_model_len);
  if (request.num_prompt_tokens > config_.max_model_len) {
    return fmt::format("the prompt has {} tokens, more than max_model_len ({})",
                       request.num_prompt_tokens, config_.max_model_len);
  }
  if (blocks_.blocks_needed(longest) > blocks_.num_blocks()) {
    return fmt::format("{} tokens need {} KV blocks but the cache has only {}", longest,
                       blocks_.blocks_needed(longest), blocks_.num_blocks());
  }
  if (!config_.enable_chunked_prefill && request.num_prompt_tokens > config_.max_num_batched_tokens) {
    return fmt::format("the prompt has {} tokens, more than max_num_batched_tokens ({})",
                       request.num_prompt_tokens, config_.max_num_batched_tokens);
  }
  return "";
}

void Scheduler::add(Request* request) {
  assert(check_fits(*request).empty());
  request->status = RequestStatus::kWaiting;
  waiting_.push_back(request);
}

void Scheduler::preempt(Request* request) {
  blocks_.free(request->block_table);
  request->num_computed_tokens = 0;
  request->status = RequestStatus::kWaiting;
  ++request->num_preemptions;
  waiting_.push_front(request);
}

SchedulerOutput Scheduler::schedule() {
  SchedulerOutput out;
  int budget = config_.max_num_batched_tokens;

  // 1. Running requests, oldest first; make room by preempting the newest.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Request* req = running_[i];
    const int n = std::min(req->num_tokens() - req->num_computed_tokens, budget);
    bool scheduled = false;
    while (true) {
      if (blocks_.allocate(req->block_table, req->num_computed_tokens + n)) {
        scheduled = true;
        break;
      }
      Request* victim = running_.back();
      running_.pop_back();
      preempt(victim);
      ++out.num_preempted;
      if (victim == req) break;
    }
    if (!scheduled) break;  // req itself was preempted; everything after it too
    out.scheduled.push_back({req, n, req->num_computed_tokens + n == req->num_tokens()});
    budget -= n;
    ++i;
  }

  // 2. Waiting requests, in order, unless this step had to preempt (no room anyway).
  if (out.num_preempted == 0) {
    while (!waiting_.empty() && budget > 0 &&
           static_cast<int>(running_.size()) < config_.max_num_seqs) {
      if (!schedule_waiting(waiting_.front(), budget, out)) break;
      waiting_.pop_front();
    }
  }
  for (const auto& s : out.scheduled) out.num_batched_tokens += s.num_new_tokens;
  return out;
}

bool Scheduler::schedule_waiting(Request* req, int& budget, SchedulerOutput& out) {
  const bool first_time = req->num_cached_tokens < 0;
  // Reuse cached full blocks, but always compute at least the last token: its logits
  // are what the step samples from.
  int cached = blocks_.match_prefix(req->token_ids, req->num_tokens() - 1, req->block_table);
  req->num_computed_tokens = cached;
  const int remaining = req->num_tokens() - cached;
  const int n = std::min(remaining, budget);
  if ((!config_.enable_chunked_prefill && n < remaining) ||
      !blocks_.allocate(req->block_table, cached + n)) {
    blocks_.free(req->block_table);
    req->num_computed_tokens = 0;
    return false;
  }
  if (first_time) {
    req->num_cached_tokens = cached;
    out.num_prefix_query_tokens += req->num_prompt_tokens;
    out.num_prefix_hit_tokens += cached;
  }
  if (!req->first_scheduled_at) req->first_scheduled_at = Clock::now();
  req->status = RequestStatus::kRunning;
  running_.push_back(req);
  out.scheduled.push_back({req, n, cached + n == req->num_tokens()});
  budget -= n;
  return true;
}

void Scheduler::on_step_computed(const SchedulerOutput& output) {
  for (const auto& s : output.scheduled) {
    Request* req = s.request;
    req->num_computed_tokens += s.num_new_tokens;
    blocks_.cache_full_blocks(req->block_table, req->token_ids, req->num_computed_tokens);
  }
}

void Scheduler::finish(Request* request, FinishReason reason) {
  if (request->finished()) return;
  if (auto it = std::find(running_.begin(), running_.end(), request); it != running_.end()) {
    running_.erase(it);
  } else if (auto wit = std::find(waiting_.begin(), waiting_.end(), request);
             wit != waiting_.end()) {
    waiting_.erase(wit);
  }
  blocks_.free(request->block_table);
  request->status = RequestStatus::kFinished;
  request->finish_reason = reason;
}

}  // namespace vllmctl
