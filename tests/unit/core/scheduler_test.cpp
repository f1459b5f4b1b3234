// Scheduler: continuous batching, chunked prefill, prefix hits and preemption, driven by
// a fake model whose next token is a hash of the whole sequence, so any lost or
// reordered token changes every later one.
#include "engine/core/scheduler.h"

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <stdexcept>

using namespace vllmctl;

namespace {

TokenId fake_next_token(const std::vector<TokenId>& seq) {
  uint64_t h = 1469598103934665603ull;
  for (TokenId t : seq) h = (h ^ static_cast<uint32_t>(t)) * 1099511628211ull;
  return static_cast<TokenId>(h % 5000);
}

struct Run {
  std::map<uint64_t, std::vector<TokenId>> outputs;
  int num_preemptions = 0;
  int num_steps = 0;
  int prefix_queries = 0;
  int prefix_hits = 0;
  int max_batched = 0;
  int free_blocks_after = 0;
};

struct Spec {
  std::vector<TokenId> prompt;
  int max_tokens;
};

Run run_all(const std::vector<Spec>& specs, SchedulerConfig config, int num_blocks,
            int block_size = 4) {
  BlockManager blocks(num_blocks, block_size, true);
  Scheduler sched(config, blocks);
  std::vector<std::unique_ptr<Request>> reqs;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto r = std::make_unique<Request>();
    r->id = i;
    r->token_ids = specs[i].prompt;
    r->num_prompt_tokens = static_cast<int>(specs[i].prompt.size());
    r->max_tokens = specs[i].max_tokens;
    REQUIRE(sched.check_fits(*r) == "");
    sched.add(r.get());
    reqs.push_back(std::move(r));
  }
  Run run;
  while (sched.has_work()) {
    SchedulerOutput out = sched.schedule();
    if (out.empty()) throw std::runtime_error("scheduler made no progress: deadlock");
    REQUIRE(out.num_batched_tokens <= config.max_num_batched_tokens);
    REQUIRE(static_cast<int>(out.scheduled.size()) <= config.max_num_seqs);
    run.max_batched = std::max(run.max_batched, static_cast<int>(out.scheduled.size()));
    run.prefix_queries += out.num_prefix_query_tokens;
    run.prefix_hits += out.num_prefix_hit_tokens;
    sched.on_step_computed(out);
    for (const auto& s : out.scheduled) {
      if (!s.samples) continue;
      Request* r = s.request;
      r->token_ids.push_back(fake_next_token(r->token_ids));
      if (r->num_output_tokens() >= r->max_tokens) sched.finish(r, FinishReason::kLength);
    }
    if (++run.num_steps > 100000) throw std::runtime_error("runaway");
  }
  for (auto& r : reqs) {
    run.outputs[r->id] =
        std::vector<TokenId>(r->token_ids.begin() + r->num_prompt_tokens, r->token_ids.end());
    run.num_preemptions += r->num_preemptions;
    CHECK(r->finish_reason == FinishReason::kLength);
  }
  run.free_blocks_after = blocks.num_free_blocks();
  return run;
}

std::vector<Spec> workload(int n, int shared_prefix) {
  std::vector<Spec> specs;
  for (int i = 0; i < n; ++i) {
    Spec s;
    for (int t = 0; t < shared_prefix; ++t) s.prompt.push_back(10 + t);
    for (int t = 0; t < 3 + (i * 7) % 23; ++t) s.prompt.push_back(1000 + i * 31 + t);
    s.max_tokens = 1 + (i * 13) % 29;
    specs.push_back(s);
  }
  return specs;
}

}  // namespace

TEST_CASE("the same requests give the same tokens alone, batched, chunked and preempted") {
  auto specs = workload(24, 9);
  SchedulerConfig one_at_a_time{1, 4096, 4096, true};
  Run reference = run_all(specs, one_at_a_time, 4096);
  CHECK(reference.num_preemptions == 0);
  CHECK(reference.free_blocks_after == 4096);

  SchedulerConfig batched{32, 4096, 4096, true};
  Run b = run_all(specs, batched, 4096);
  CHECK(b.outputs == reference.outputs);
  CHECK(b.max_batched > 8);
  CHECK(b.num_steps < reference.num_steps);

  SchedulerConfig chunked{32, 8, 4096, true};  // prompts split into 8-token chunks
  Run c = run_all(specs, chunked, 4096);
  CHECK(c.outputs == reference.outputs);

  // 24 blocks of 4 tokens cannot hold everything at once: requests must preempt.
  Run p = run_all(specs, batched, 24);
  CHECK(p.num_preemptions > 0);
  CHECK(p.outputs == reference.outputs);
  CHECK(p.free_blocks_after == 24);
}

TEST_CASE("prefix hits are counted in tokens, for first schedulings only") {
  std::vector<Spec> specs(2, Spec{std::vector<TokenId>(21, 5), 2});
  for (int i = 0; i < 21; ++i) specs[0].prompt[i] = specs[1].prompt[i] = 100 + i;
  SchedulerConfig serial{1, 4096, 4096, true};
  Run r = run_all(specs, serial, 64);
  CHECK(r.prefix_queries == 42);
  CHECK(r.prefix_hits == 20);  // 5 full blocks of 4; the last token is always computed
}

TEST_CASE("a request too long for the model or the whole cache is rejected up front") {
  BlockManager blocks(4, 4, true);
  Scheduler sched(SchedulerConfig{8, 64, 32, true}, blocks);
  Request too_long;
  too_long.token_ids.assign(40, 1);
  too_long.num_prompt_tokens = 40;
  CHECK(sched.check_fits(too_long).find("max_model_len") != std::string::npos);
  Request too_big;
  too_big.token_ids.assign(10, 1);
  too_big.num_prompt_tokens = 10;
  too_big.max_tokens = 10;  // 20 tokens = 5 blocks > 4
  CHECK(sched.check_fits(too_big).find("KV blocks") != std::string::npos);
  too_big.max_tokens = 6;
  CHECK(sched.check_fits(too_big) == "");
}

TEST_CASE("aborting waiting and running requests frees every block") {
  BlockManager blocks(16, 4, true);
  Scheduler sched(SchedulerConfig{1, 64, 64, true}, blocks);
  Request a, b;
  for (Request* r : {&a, &b}) {
    r->token_ids.assign(9, 3);
    r->num_prompt_tokens = 9;
    r->max_tokens = 4;
    sched.add(r);
  }
  auto out = sched.schedule();  // a runs, b waits (max_num_seqs 1)
  REQUIRE(out.scheduled.size() == 1);
  sched.on_step_computed(out);
  CHECK(a.status == RequestStatus::kRunning);
  CHECK(blocks.num_free_blocks() < 16);
  sched.finish(&a, FinishReason::kAbort);
  sched.finish(&b, FinishReason::kAbort);
  CHECK(a.finish_reason == FinishReason::kAbort);
  CHECK_FALSE(sched.has_work());
  CHECK(blocks.num_free_blocks() == 16);
  sched.finish(&a, FinishReason::kStop);  // finishing twice changes nothing
  CHECK(a.finish_reason == FinishReason::kAbort);
}

TEST_CASE("without chunked prefill a prompt waits for a step with room for all of it") {
  BlockManager blocks(64, 4, true);
  Scheduler sched(SchedulerConfig{8, 16, 64, false}, blocks);
  Request a, b;
  a.token_ids.assign(10, 1);
  a.num_prompt_tokens = 10;
  b.token_ids.assign(10, 2);
  b.num_prompt_tokens = 10;
  sched.add(&a);
  sched.add(&b);
  auto out = sched.schedule();
  REQUIRE(out.scheduled.size() == 1);  // b's 10 tokens do not fit in the 6 left
  CHECK(out.scheduled[0].num_new_tokens == 10);
  CHECK(out.scheduled[0].samples);
}
