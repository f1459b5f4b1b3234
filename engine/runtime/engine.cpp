// Engine: the loop on the engine thread, submission and abort.
#include "engine/runtime/engine.h"

#include "engine/core/forward_batch.h"
#include "engine/structured/grammar_token_filter.h"
#include "engine/structured/json_matcher.h"
#include "engine/text/detokenizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace vllmctl {

namespace {
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

// The n samples of one submitted request.
struct Engine::Parent {
  std::shared_ptr<OutputStream> stream;
  std::vector<uint64_t> sequence_ids;
  int n = 1;
  int num_finished = 0;
  int max_generated = 0;
  bool counted = true;  // false once a client abort made it invisible to metrics
};

// One sample: the scheduler's Request plus what the engine needs to finish it.
struct Engine::Sequence {
  Request request;
  std::shared_ptr<Parent> parent;
  uint64_t public_id = 0;
  int index = 0;
  SamplingParams params;
  std::mt19937_64 rng;
  std::unique_ptr<IncrementalDetokenizer> detokenizer;
  std::unique_ptr<structured::JsonMatcher> matcher;  // structured output, else null
  std::vector<TokenId> matcher_end_tokens;          // what may end a complete text: stop ids, then EOS
  Clock::time_point arrival;
  bool sent_first = false;
};

Engine::Engine(std::unique_ptr<Backend> backend, std::shared_ptr<const Tokenizer> tokenizer,
               EngineOptions options)
    : backend_(std::move(backend)),
      tokenizer_(std::move(tokenizer)),
      options_(std::move(options)),
      blocks_(backend_->num_kv_blocks(), backend_->block_size(), options_.enable_prefix_caching),
      scheduler_(options_.scheduler, blocks_),
      rng_(options_.seed),
      stats_(options_.scheduler.max_model_len) {
  last_log_ = Clock::now();
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() { stop(); }

std::string Engine::validate(const EngineRequest& r) const {
  const SamplingParams& p = r.params;
  if (r.prompt_token_ids.empty()) return "the prompt is empty";
  for (TokenId t : r.prompt_token_ids) {
    if (t < 0 || t >= backend_->vocab_size()) {
      return fmt::format("token id {} is out of vocabulary (0..{})", t, backend_->vocab_size() - 1);
    }
  }
  if (p.n < 1) return fmt::format("n must be at least 1, got {}", p.n);
  if (p.max_tokens < 1) return fmt::format("max_tokens must be at least 1, got {}", p.max_tokens);
  if (p.min_tokens < 0 || p.min_tokens > p.max_tokens) {
    return fmt::format("min_tokens must be between 0 and max_tokens ({}), got {}", p.max_tokens, p.min_tokens);
  }
  if (p.temperature < 0) return fmt::format("temperature must be non-negative, got {}", p.temperature);
  if (!(p.top_p > 0 && p.top_p <= 1)) return fmt::format("top_p must be in (0, 1], got {}", p.top_p);
  if (p.top_k < -1) return fmt::format("top_k must be -1 (disable), or at least 1, got {}", p.top_k);
  if (p.min_p < 0 || p.min_p > 1) return fmt::format("min_p must be in [0, 1], got {}", p.min_p);
  if (p.repetition_penalty <= 0) {
    return fmt::format("repetition_penalty must be greater than zero, got {}", p.repetition_penalty);
  }
  if (p.presence_penalty < -2 || p.presence_penalty > 2) {
    return fmt::format("presence_penalty must be in [-2, 2], got {}", p.presence_penalty);
  }
  if (p.frequency_penalty < -2 || p.frequency_penalty > 2) {
    return fmt::format("frequency_penalty must be in [-2, 2], got {}", p.frequency_penalty);
  }
  if (r.json_grammar && !structured::JsonMatcher(r.json_grammar).alive()) {
    return "the response format's schema allows no JSON value";
  }
  Request probe;
  probe.num_prompt_tokens = static_cast<int>(r.prompt_token_ids.size());
  probe.max_tokens = p.max_tokens;
  return scheduler_.check_fits(probe);
}

std::shared_ptr<OutputStream> Engine::submit(EngineRequest request) {
  if (std::string why = validate(request); !why.empty()) throw std::invalid_argument(why);
  std::lock_guard lock(mutex_);
  if (stopping_ || !alive_) throw std::runtime_error("the engine is shutting down");
  const uint64_t public_id = next_public_id_++;
  auto parent = std::make_shared<Parent>();
  parent->n = request.params.n;
  parent->stream = std::make_shared<OutputStream>(public_id, parent->n);
  for (int i = 0; i < parent->n; ++i) {
    auto seq = std::make_unique<Sequence>();
    seq->parent = parent;
    seq->public_id = public_id;
    seq->index = i;
    seq->params = request.params;
    // Samples of a seeded request get seed, seed + 1, ...: reproducible and distinct.
    if (request.params.seed) seq->params.seed = *request.params.seed + static_cast<uint64_t>(i);
    seq->request.token_ids = request.prompt_token_ids;
    seq->request.num_prompt_tokens = static_cast<int>(request.prompt_token_ids.size());
    seq->request.max_tokens = request.params.max_tokens;
    if (request.json_grammar) {
      seq->matcher = std::make_unique<structured::JsonMatcher>(request.json_grammar);
      seq->matcher_end_tokens = request.params.stop_token_ids;
      if (!request.params.ignore_eos) {
        seq->matcher_end_tokens.insert(seq->matcher_end_tokens.end(), options_.eos_token_ids.begin(),
                                       options_.eos_token_ids.end());
      }
    }
    seq->arrival = request.arrival_time;
    incoming_.push_back(std::move(seq));
  }
  cv_.notify_one();
  return parent->stream;
}

void Engine::abort(uint64_t request_id) {
  std::lock_guard lock(mutex_);
  aborts_.push_back(request_id);
  cv_.notify_one();
}

EngineStats Engine::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Engine::take_incoming(std::vector<std::unique_ptr<Sequence>>& fresh,
                           std::vector<uint64_t>& aborts, bool& stopping) {
  std::unique_lock lock(mutex_);
  const bool idle = !scheduler_.has_work();
  if (idle) {
    // Wake up for work, or for the stats log line while idle.
    cv_.wait_for(lock, std::chrono::milliseconds(500),
                 [&] { return !incoming_.empty() || !aborts_.empty() || stopping_; });
  }
  fresh.swap(incoming_);
  aborts.swap(aborts_);
  stopping = stopping_;
}

void Engine::loop() {
  try {
    std::vector<std::unique_ptr<Sequence>> fresh;
    std::vector<uint64_t> aborts;
    while (true) {
      bool stopping = false;
      fresh.clear();
      aborts.clear();
      take_incoming(fresh, aborts, stopping);
      const auto now = Clock::now();
      for (auto& seq : fresh) {
        const uint64_t id = next_sequence_id_++;
        seq->request.id = id;
        seq->request.queued_at = now;
        seq->rng.seed(seq->params.seed ? *seq->params.seed : rng_());
        DetokenizerParams dp{seq->params.skip_special_tokens, seq->params.stop,
                             seq->params.include_stop_str_in_output,
                             static_cast<size_t>(seq->params.min_tokens)};
        seq->detokenizer = std::make_unique<IncrementalDetokenizer>(*tokenizer_, seq->request.token_ids, dp);
        seq->parent->sequence_ids.push_back(id);
        parents_[seq->public_id] = seq->parent;
        scheduler_.add(&seq->request);
        sequences_.emplace(id, std::move(seq));
      }
      for (uint64_t public_id : aborts) {
        auto it = parents_.find(public_id);
        if (it == parents_.end()) continue;
        std::shared_ptr<Parent> parent = it->second;
        parent->counted = false;
        for (uint64_t id : parent->sequence_ids) {
          if (auto s = sequences_.find(id); s != sequences_.end()) finish(*s->second, FinishReason::kAbort, false);
        }
      }
      if (stopping) {
        std::vector<Sequence*> all;
        for (auto& [id, seq] : sequences_) all.push_back(seq.get());
        for (Sequence* seq : all) finish(*seq, FinishReason::kAbort, true);
        break;
      }
      if (scheduler_.has_work()) step();
      maybe_log_stats(Clock::now());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vllmctl: engine thread died: %s\n", e.what());
    alive_ = false;
  }
  std::lock_guard lock(stats_mutex_);
  stats_.num_requests_running = 0;
  stats_.num_requests_waiting = 0;
}

void Engine::step() {
  SchedulerOutput out = scheduler_.schedule();
  if (out.empty()) return;
  const ForwardBatch batch = build_forward_batch(out, backend_->block_size());
  std::vector<Sequence*> sampled;
  for (int32_t s : batch.sample_seqs) {
    sampled.push_back(sequences_.at(out.scheduled[static_cast<size_t>(s)].request->id).get());
  }
  // With a backend that samples on its device, only rows that need the host sampler
  // (structured output, logprobs) bring their logits back. Row r's logits are then
  // host_logits[host_index[r]], its token device_tokens[device_index[r]].
  const auto vocab = static_cast<size_t>(backend_->vocab_size());
  std::span<float> logits;
  std::vector<int> host_index(sampled.size(), -1), device_index(sampled.size(), -1);
  std::vector<TokenId> device_tokens;
  try {
    if (backend_->samples_on_device()) {
      DeviceSampling sampling;
      sampling.eos_token_ids = options_.eos_token_ids;
      for (size_t r = 0; r < sampled.size(); ++r) {
        Sequence& seq = *sampled[r];
        if (seq.matcher || seq.params.logprobs) {
          host_index[r] = static_cast<int>(sampling.host_rows.size());
          sampling.host_rows.push_back(static_cast<int32_t>(r));
          continue;
        }
        device_index[r] = static_cast<int>(sampling.rows.size());
        const std::span<const TokenId> all(seq.request.token_ids);
        const auto num_prompt = static_cast<size_t>(seq.request.num_prompt_tokens);
        // The draw sample_token would make: one uniform from the request's generator.
        const double u = seq.params.greedy() ? 0.0 : std::uniform_real_distribution<double>(0.0, 1.0)(seq.rng);
        sampling.rows.push_back({static_cast<int>(r), &seq.params, {all.first(num_prompt), all.subspan(num_prompt)}, u});
      }
      SampledStep result = backend_->forward_sampled(batch, sampling);
      logits = result.host_logits;
      device_tokens = std::move(result.tokens);
      if (device_tokens.size() != sampling.rows.size() || logits.size() != sampling.host_rows.size() * vocab) {
        throw std::runtime_error(fmt::format("{}: forward_sampled returned {} tokens and {} logits for {} + {} rows",
                                             backend_->describe(), device_tokens.size(), logits.size(),
                                             sampling.rows.size(), sampling.host_rows.size()));
      }
    } else {
      logits = backend_->forward(batch);
      for (size_t r = 0; r < sampled.size(); ++r) host_index[r] = static_cast<int>(r);
      if (logits.size() != sampled.size() * vocab) {
        throw std::runtime_error(fmt::format("{}: forward returned {} logits for {} rows", backend_->describe(),
                                             logits.size(), sampled.size()));
      }
    }
  } catch (const std::exception& e) {
    // A failed step fails the requests in it, not the engine.
    scheduler_.on_step_computed(out);
    for (const auto& s : out.scheduled) {
      auto it = sequences_.find(s.request->id);
      if (it != sequences_.end()) finish(*it->second, FinishReason::kAbort, true, e.what());
    }
    return;
  }
  scheduler_.on_step_computed(out);

  uint64_t iteration_tokens = 0;  // vLLM: a request's whole prompt counts with its first token
  for (const Sequence* seq : sampled) {
    iteration_tokens += 1 + (seq->sent_first ? 0 : static_cast<uint64_t>(seq->request.num_prompt_tokens));
  }
  {
    // Step-level stats before any update goes out, so a reader never sees them lag.
    std::lock_guard lock(stats_mutex_);
    ++stats_.num_steps;
    stats_.num_preemptions_total += static_cast<uint64_t>(out.num_preempted);
    stats_.prefix_cache_queries_total += static_cast<uint64_t>(out.num_prefix_query_tokens);
    stats_.prefix_cache_hits_total += static_cast<uint64_t>(out.num_prefix_hit_tokens);
    if (iteration_tokens > 0) stats_.iteration_tokens_total.observe(static_cast<double>(iteration_tokens));
    stats_.num_requests_running = scheduler_.num_running();
    stats_.num_requests_waiting = scheduler_.num_waiting();
    stats_.kv_cache_usage_perc = blocks_.usage();
  }
  const auto now = Clock::now();
  for (size_t r = 0; r < sampled.size(); ++r) {
    Sequence& seq = *sampled[r];
    if (device_index[r] >= 0) {
      SampleResult sample;
      sample.token = device_tokens[static_cast<size_t>(device_index[r])];
      emit_token(seq, std::move(sample), now);
    } else {
      const auto h = static_cast<size_t>(host_index[r]);
      emit_token(seq, sample_on_host(seq, logits.subspan(h * vocab, vocab)), now);
    }
  }
}

const structured::VocabularyBytes& Engine::vocabulary_bytes() {
  if (!vocabulary_bytes_) {
    std::vector<std::optional<std::string>> bytes(static_cast<size_t>(backend_->vocab_size()));
    for (int id = 0; id < std::min(backend_->vocab_size(), tokenizer_->size()); ++id) {
      bytes[static_cast<size_t>(id)] = tokenizer_->token_bytes(id);
    }
    vocabulary_bytes_.emplace(std::move(bytes));
  }
  return *vocabulary_bytes_;
}

SampleResult Engine::sample_on_host(Sequence& seq, std::span<float> logits) {
  Request& req = seq.request;
  const std::span<const TokenId> all(req.token_ids);
  const SequenceTokens tokens{all.first(static_cast<size_t>(req.num_prompt_tokens)),
                              all.subspan(static_cast<size_t>(req.num_prompt_tokens))};
  if (!seq.matcher) return sample_token(logits, seq.params, tokens, options_.eos_token_ids, seq.rng);
  const structured::GrammarTokenFilter filter(*seq.matcher, vocabulary_bytes(), seq.matcher_end_tokens);
  SampleResult sample = sample_token(logits, seq.params, tokens, options_.eos_token_ids, seq.rng, &filter);
  // Nothing allowed (min_tokens masks the end of a complete text): end it anyway.
  if (sample.token < 0) sample.token = options_.eos_token_ids.empty() ? 0 : options_.eos_token_ids.front();
  const auto& vocab = vocabulary_bytes().bytes;
  if (static_cast<size_t>(sample.token) < vocab.size() && vocab[static_cast<size_t>(sample.token)]) {
    seq.matcher->accept(*vocab[static_cast<size_t>(sample.token)]);
  }
  return sample;
}

void Engine::emit_token(Sequence& seq, SampleResult sample, Clock::time_point now) {
  Request& req = seq.request;
  // Nothing could be picked (every logit -inf: a -100 logit bias on every token, or a
  // broken model): the first EOS id (0 without one) stands in, never -1.
  if (sample.token < 0) sample.token = options_.eos_token_ids.empty() ? 0 : options_.eos_token_ids.front();
  const TokenId token = sample.token;
  req.token_ids.push_back(token);

  RequestOutput out;
  out.index = seq.index;
  out.token_ids.push_back(token);
  if (seq.params.logprobs) out.logprobs.push_back(std::move(sample));
  {
    std::lock_guard lock(stats_mutex_);
    ++stats_.generation_tokens_total;
    if (!seq.sent_first) {
      stats_.prompt_tokens_total += static_cast<uint64_t>(req.num_prompt_tokens);
      stats_.time_to_first_token_seconds.observe(seconds(now - seq.arrival));
    } else if (req.last_token_at) {
      stats_.inter_token_latency_seconds.observe(seconds(now - *req.last_token_at));
    }
  }
  if (!req.first_token_at) req.first_token_at = now;
  req.last_token_at = now;
  if (!seq.sent_first) {
    out.num_prompt_tokens = req.num_prompt_tokens;
    out.num_cached_tokens = std::max(req.num_cached_tokens, 0);
    seq.sent_first = true;
  }

  // Stop conditions, in vLLM's order: EOS, stop token ids, then length; a stop string
  // found by the detokenizer in the same token wins over length.
  const int generated = req.num_output_tokens();
  const bool min_reached = generated >= seq.params.min_tokens;
  FinishReason reason = FinishReason::kNone;
  const auto& eos = options_.eos_token_ids;
  if (min_reached && !seq.params.ignore_eos && std::find(eos.begin(), eos.end(), token) != eos.end()) {
    reason = FinishReason::kStop;
  } else if (min_reached && std::find(seq.params.stop_token_ids.begin(), seq.params.stop_token_ids.end(),
                                      token) != seq.params.stop_token_ids.end()) {
    reason = FinishReason::kStop;
    out.stop_token = token;
  }
  // EOS and stop tokens are not text; the byte that completes a structured output is.
  const bool stopped_by_token = reason == FinishReason::kStop;
  if (reason == FinishReason::kNone) {
    if (seq.matcher && seq.matcher->terminated()) {
      reason = FinishReason::kStop;  // the JSON is complete and nothing may follow it
    } else if (generated >= req.max_tokens || req.num_tokens() >= options_.scheduler.max_model_len) {
      reason = FinishReason::kLength;
    }
  }
  DetokenizerDelta delta = seq.detokenizer->update(out.token_ids, stopped_by_token);
  out.text = std::move(delta.text);
  if (delta.stop) {
    reason = FinishReason::kStop;
    out.stop_string = delta.stop;
  } else if (reason != FinishReason::kNone) {
    out.text += seq.detokenizer->finish();
  }
  if (reason == FinishReason::kNone) {
    seq.parent->stream->push(std::move(out));
    return;
  }
  out.finished = true;
  out.finish_reason = reason;
  finish(seq, reason, true, "", &out);
}

void Engine::finish(Sequence& seq, FinishReason reason, bool count_in_metrics, const std::string& error,
                    RequestOutput* last) {
  Request& req = seq.request;
  scheduler_.finish(&req, reason);
  Parent& parent = *seq.parent;
  ++parent.num_finished;
  parent.max_generated = std::max(parent.max_generated, req.num_output_tokens());
  {
    // Metrics and gauges first: a reader that sees the last update sees them too.
    std::lock_guard lock(stats_mutex_);
    if (count_in_metrics && parent.counted) record_finished(seq, reason, error);
    stats_.num_requests_running = scheduler_.num_running();
    stats_.num_requests_waiting = scheduler_.num_waiting();
    stats_.kv_cache_usage_perc = blocks_.usage();
  }
  RequestOutput abort_output;
  if (!last) {  // aborts and failures: tell the reader here
    abort_output.index = seq.index;
    abort_output.finished = true;
    abort_output.finish_reason = FinishReason::kAbort;
    abort_output.error = error;
    abort_output.text = seq.detokenizer->finish();
    last = &abort_output;
  }
  parent.stream->push(std::move(*last));
  if (parent.num_finished == parent.n) parents_.erase(seq.public_id);
  sequences_.erase(req.id);  // destroys seq: nothing below may touch it
}

void Engine::record_finished(const Sequence& seq, FinishReason reason, const std::string& error) {
  const Request& req = seq.request;
  const Parent& parent = *seq.parent;
  const auto now = Clock::now();
  const auto label = !error.empty() ? FinishedReasonLabel::kError
                     : reason == FinishReason::kStop ? FinishedReasonLabel::kStop
                     : reason == FinishReason::kLength ? FinishedReasonLabel::kLength
                                                       : FinishedReasonLabel::kAbort;
  ++stats_.request_success_total[static_cast<size_t>(label)];
  const int generated = req.num_output_tokens();
  stats_.request_prompt_tokens.observe(req.num_prompt_tokens);
  stats_.request_generation_tokens.observe(generated);
  stats_.request_params_max_tokens.observe(seq.params.max_tokens);
  stats_.request_prefill_kv_computed_tokens.observe(req.num_prompt_tokens - std::max(req.num_cached_tokens, 0));
  stats_.e2e_request_latency_seconds.observe(seconds(now - seq.arrival));
  if (req.first_scheduled_at) {
    stats_.request_queue_time_seconds.observe(seconds(*req.first_scheduled_at - req.queued_at));
    const auto last = req.last_token_at.value_or(now);
    stats_.request_inference_time_seconds.observe(seconds(last - *req.first_scheduled_at));
    if (req.first_token_at) {
      stats_.request_prefill_time_seconds.observe(seconds(*req.first_token_at - *req.first_scheduled_at));
      const double decode = seconds(last - *req.first_token_at);
      stats_.request_decode_time_seconds.observe(decode);
      stats_.request_time_per_output_token_seconds.observe(generated > 1 ? decode / (generated - 1) : 0.0);
    }
  }
  if (parent.num_finished == parent.n) {
    stats_.request_params_n.observe(parent.n);
    stats_.request_max_num_generation_tokens.observe(parent.max_generated);
  }
}

void Engine::maybe_log_stats(Clock::time_point now) {
  const double elapsed = seconds(now - last_log_);
  if (elapsed < options_.log_stats_interval_s) return;
  EngineStats s = stats();
  const double prompt_tps = static_cast<double>(s.prompt_tokens_total - logged_prompt_tokens_) / elapsed;
  const double gen_tps = static_cast<double>(s.generation_tokens_total - logged_generation_tokens_) / elapsed;
  {
    // The interval averages behind the log line are also V0's avg_*_throughput gauges.
    std::lock_guard lock(stats_mutex_);
    stats_.avg_prompt_throughput_toks_per_s = prompt_tps;
    stats_.avg_generation_throughput_toks_per_s = gen_tps;
  }
  const bool idle = s.num_requests_running == 0 && s.num_requests_waiting == 0 && prompt_tps == 0.0 && gen_tps == 0.0;
  // Nothing happened since the last line: say nothing, as vLLM does.
  if (options_.log_stats && !idle) {
    const uint64_t queries = s.prefix_cache_queries_total - logged_prefix_queries_;
    const uint64_t hits = s.prefix_cache_hits_total - logged_prefix_hits_;
    options_.log_stats(fmt::format(
        "Avg prompt throughput: {:.1f} tokens/s, Avg generation throughput: {:.1f} tokens/s, "
        "Running: {} reqs, Waiting: {} reqs, KV cache usage: {:.1f}%, Prefix cache hit rate: {:.1f}%",
        prompt_tps, gen_tps, s.num_requests_running, s.num_requests_waiting, 100.0 * s.kv_cache_usage_perc,
        queries ? 100.0 * static_cast<double>(hits) / static_cast<double>(queries) : 0.0));
  }
  last_log_ = now;
  logged_prompt_tokens_ = s.prompt_tokens_total;
  logged_generation_tokens_ = s.generation_tokens_total;
  logged_prefix_queries_ = s.prefix_cache_queries_total;
  logged_prefix_hits_ = s.prefix_cache_hits_total;
}

}  // namespace vllmctl
