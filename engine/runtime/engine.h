// Engine: continuous batching on one thread. Other threads submit requests and abort
// them; the engine thread schedules, runs the backend, samples, detokenizes, checks stop
// conditions, pushes each request's updates to its OutputStream and keeps EngineStats.
// Everything but the public calls below runs on the engine thread.
#pragma once

#include "engine/backend/backend.h"
#include "engine/core/scheduler.h"
#include "engine/runtime/engine_request.h"
#include "engine/runtime/engine_stats.h"
#include "engine/runtime/output_stream.h"
#include "engine/structured/grammar_token_filter.h"
#include "engine/text/tokenizer.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace vllmctl {

struct EngineOptions {
  SchedulerConfig scheduler;
  bool enable_prefix_caching = true;
  uint64_t seed = 0;                   // for requests without their own seed
  std::vector<TokenId> eos_token_ids;  // every id that ends generation (unless ignore_eos)
  // Called every log_stats_interval_s on the engine thread with vLLM's stats log line;
  // null: no log line.
  std::function<void(const std::string&)> log_stats;
  double log_stats_interval_s = 10.0;
};

class Engine {
 public:
  // Starts the engine thread. The tokenizer decodes outputs and matches stop strings.
  Engine(std::unique_ptr<Backend> backend, std::shared_ptr<const Tokenizer> tokenizer,
         EngineOptions options);
  ~Engine();  // stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request. Throws std::invalid_argument (the message is for the client) when it
  // can never run: empty prompt, too long for max_model_len or for the whole KV cache,
  // token ids outside the vocabulary, bad sampling values. Thread-safe.
  std::shared_ptr<OutputStream> submit(EngineRequest request);

  // The client went away: frees the request at the next step. Not counted in metrics,
  // as in vLLM. Unknown or finished ids are ignored. Thread-safe.
  void abort(uint64_t request_id);

  EngineStats stats() const;                 // a snapshot. Thread-safe.
  bool alive() const { return alive_.load(); }  // false once the engine thread has died
  const Backend& backend() const { return *backend_; }
  const EngineOptions& options() const { return options_; }
  int num_kv_blocks() const { return backend_->num_kv_blocks(); }

  // Stops accepting work, finishes every request in flight with reason "abort", joins.
  void stop();

 private:
  struct Sequence;
  struct Parent;

  void loop();
  void take_incoming(std::vector<std::unique_ptr<Sequence>>& fresh, std::vector<uint64_t>& aborts,
                     bool& stopping);
  void step();
  // The host sampler (with the structured-output filter and logprobs) on one row of logits.
  SampleResult sample_on_host(Sequence& seq, std::span<float> logits);
  // Appends the token, streams it, and ends the request on EOS, stop or length.
  void emit_token(Sequence& seq, SampleResult sample, Clock::time_point now);
  // Frees the request, records it in the metrics (unless a client abort), then pushes its
  // last update: `last`, or an abort update carrying `error` when null.
  void finish(Sequence& seq, FinishReason reason, bool count_in_metrics, const std::string& error = "",
              RequestOutput* last = nullptr);
  void record_finished(const Sequence& seq, FinishReason reason, const std::string& error);  // REQUIRES: stats_mutex_
  void maybe_log_stats(Clock::time_point now);
  std::string validate(const EngineRequest& request) const;
  // The bytes of every token id, built at the first structured-output sample.
  const structured::VocabularyBytes& vocabulary_bytes();

  std::unique_ptr<Backend> backend_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  EngineOptions options_;
  BlockManager blocks_;
  Scheduler scheduler_;
  std::mt19937_64 rng_;

  // Engine-thread state.
  std::unordered_map<uint64_t, std::unique_ptr<Sequence>> sequences_;  // by Request id
  std::unordered_map<uint64_t, std::shared_ptr<Parent>> parents_;       // by public id
  uint64_t next_sequence_id_ = 1;
  std::optional<structured::VocabularyBytes> vocabulary_bytes_;
  Clock::time_point last_log_{};
  uint64_t logged_prompt_tokens_ = 0, logged_generation_tokens_ = 0;
  uint64_t logged_prefix_queries_ = 0, logged_prefix_hits_ = 0;

  // Shared with submitting threads.
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Sequence>> incoming_;  // guarded by mutex_
  std::vector<uint64_t> aborts_;                     // guarded by mutex_
  bool stopping_ = false;                            // guarded by mutex_
  uint64_t next_public_id_ = 1;                      // guarded by mutex_

  mutable std::mutex stats_mutex_;
  EngineStats stats_;  // guarded by stats_mutex_; written by the engine thread

  std::atomic<bool> alive_{true};
  std::thread thread_;
};

}  // namespace vllmctl
