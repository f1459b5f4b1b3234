// Scheduler: decides what one engine step computes, inside a token budget.
//
// Running requests go first (a decode is one token; an unfinished prompt continues in
// chunks), then waiting requests prefill, reusing cached prefix blocks. When the KV
// cache is full, the newest running request is preempted: its blocks are freed and it
// recomputes later from the waiting queue's front. Knows nothing about tensors or CUDA.
// REQUIRES: engine thread.
#pragma once

#include "engine/core/block_manager.h"
#include "engine/core/request.h"

#include <deque>
#include <string>
#include <vector>

namespace vllmctl {

struct SchedulerConfig {
  int max_num_seqs = 256;            // requests in one step, at most
  int max_num_batched_tokens = 2048; // tokens in one step, at most
  int max_model_len = 4096;          // prompt + output, at most
  bool enable_chunked_prefill = true;
};

struct ScheduledRequest {
  Request* request;
  int num_new_tokens;  // computed this step, from request->num_computed_tokens on
  bool samples;        // this chunk reaches the sequence's end, so a token is sampled
};

struct SchedulerOutput {
  std::vector<ScheduledRequest> scheduled;  // running order: decodes first, then prefills
  int num_batched_tokens = 0;
  int num_preempted = 0;
  // Prefix cache, in tokens, for requests scheduled for the first time this step.
  int num_prefix_query_tokens = 0;
  int num_prefix_hit_tokens = 0;
  bool empty() const { return scheduled.empty(); }
};

class Scheduler {
 public:
  Scheduler(const SchedulerConfig& config, BlockManager& blocks);

  // Why `request` can never run (too long for max_model_len or for the whole cache), or
  // "" when it can. Check before add(): a request that cannot fit would wait forever.
  std::string check_fits(const Request& request) const;

  // REQUIRES: check_fits(request) == "". Queues it at the back of the waiting queue.
  void add(Request* request);

  SchedulerOutput schedule();

  // After the step's forward pass: the scheduled tokens' KV is now in the cache.
  void on_step_computed(const SchedulerOutput& output);

  // Removes a waiting or running request, frees its blocks, marks it finished.
  void finish(Request* request, FinishReason reason);

  int num_running() const { return static_cast<int>(running_.size()); }
  int num_waiting() const { return static_cast<int>(waiting_.size()); }
  bool has_work() const { return !running_.empty() || !waiting_.empty(); }
  const BlockManager& blocks() const { return blocks_; }

 private:
  void preempt(Request* request);
  bool schedule_waiting(Request* request, int& budget, SchedulerOutput& out);

  SchedulerConfig config_;
  BlockManager& blocks_;
  std::deque<Request*> waiting_;
  std::vector<Request*> running_;  // in admission order; the back is the newest
};

}  // namespace vllmctl
