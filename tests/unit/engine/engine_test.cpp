// The engine end to end on the CPU backend: batch invariance (alone, 32 at once, with
// prefix hits, after preemption), stop conditions, seeds, n > 1, aborts and the stats.
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/model/demo_tokenizer.h"
#include "engine/model/model_dir.h"
#include "engine/runtime/engine.h"
#include "tests/unit/tiny_model.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <cctype>
#include <map>
#include <random>

using namespace vllmctl;
using namespace std::chrono_literals;

namespace {

struct Result {
  std::vector<TokenId> tokens;
  std::string text;
  FinishReason reason = FinishReason::kNone;
  std::optional<std::string> stop_string;
  std::optional<TokenId> stop_token;
};

// One tiny model on disk for the whole file; each engine gets its own backend.
class Fixture {
 public:
  Fixture() {
    vllmctl::test::write_tiny_model(dir_.path(), vllmctl::test::TinyArch::kQwen2, DType::kF32, 5);
    model_ = std::make_unique<ModelDir>(open_model_dir(dir_.path()));
    tokenizer_ = std::make_shared<Tokenizer>(Tokenizer::from_json_text(demo_tokenizer_json()));
  }
  std::unique_ptr<Engine> engine(int num_blocks, int max_num_seqs = 64, int budget = 256) {
    EngineOptions o;
    o.scheduler = SchedulerConfig{max_num_seqs, budget, 512, true};
    o.eos_token_ids = {static_cast<TokenId>(kDemoImEndId)};
    auto backend = std::make_unique<cpu::CpuBackend>(*model_, cpu::CpuBackendOptions{num_blocks, 4});
    return std::make_unique<Engine>(std::move(backend), tokenizer_, o);
  }

 private:
  vllmctl::test::TempDir dir_;
  std::unique_ptr<ModelDir> model_;
  std::shared_ptr<Tokenizer> tokenizer_;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Reads every update of `stream` into one Result per sample.
std::vector<Result> collect(OutputStream& stream, int n = 1) {
  std::vector<Result> results(static_cast<size_t>(n));
  while (!stream.done()) {
    auto out = stream.next(10s);
    REQUIRE(out.has_value());
    Result& r = results[static_cast<size_t>(out->index)];
    r.tokens.insert(r.tokens.end(), out->token_ids.begin(), out->token_ids.end());
    r.text += out->text;
    if (out->finished) {
      r.reason = out->finish_reason;
      r.stop_string = out->stop_string;
      r.stop_token = out->stop_token;
    }
  }
  return results;
}

std::vector<std::vector<TokenId>> prompts(int count, int shared_prefix = 0) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<TokenId> tok(0, 255);
  std::vector<TokenId> prefix(static_cast<size_t>(shared_prefix));
  for (auto& t : prefix) t = tok(rng);
  std::vector<std::vector<TokenId>> out;
  for (int i = 0; i < count; ++i) {
    std::vector<TokenId> p = prefix;
    for (int j = 0; j < 3 + (i * 5) % 17; ++j) p.push_back(tok(rng));
    out.push_back(p);
  }
  return out;
}

SamplingParams greedy(int max_tokens) {
  SamplingParams p;
  p.temperature = 0;
  p.max_tokens = max_tokens;
  p.ignore_eos = true;
  return p;
}

std::vector<std::vector<TokenId>> run_batch(Engine& engine, const std::vector<std::vector<TokenId>>& ps,
                                            const SamplingParams& params) {
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (const auto& p : ps) streams.push_back(engine.submit({p, params}));
  std::vector<std::vector<TokenId>> out;
  for (auto& s : streams) out.push_back(collect(*s)[0].tokens);
  return out;
}

}  // namespace

TEST_CASE("greedy tokens are the same alone, 32 at once, with prefix hits and after preemption") {
  auto ps = prompts(32, 12);
  SamplingParams params = greedy(10);
  std::vector<std::vector<TokenId>> alone;
  {
    auto engine = fixture().engine(512);
    for (const auto& p : ps) alone.push_back(run_batch(*engine, {p}, params)[0]);
    for (const auto& t : alone) CHECK(t.size() == 10);
  }
  {
    auto engine = fixture().engine(512);
    CHECK(run_batch(*engine, ps, params) == alone);
    // Again on the warm cache: every prompt's full blocks are hits now.
    CHECK(run_batch(*engine, ps, params) == alone);
    EngineStats s = engine->stats();
    CHECK(s.prefix_cache_hits_total > 0);
    CHECK(s.kv_cache_usage_perc == 0.0);
  }
  {
    // 40 blocks of 4 tokens cannot hold 32 requests of ~25 tokens: they must preempt.
    auto engine = fixture().engine(40);
    CHECK(run_batch(*engine, ps, params) == alone);
    EngineStats s = engine->stats();
    CHECK(s.num_preemptions_total > 0);
    CHECK(s.kv_cache_usage_perc == 0.0);
    CHECK(s.num_requests_running == 0);
  }
}

TEST_CASE("metrics count what was sent") {
  auto engine = fixture().engine(256);
  auto ps = prompts(6);
  SamplingParams params = greedy(5);
  auto outs = run_batch(*engine, ps, params);
  EngineStats s = engine->stats();
  uint64_t prompt_tokens = 0;
  for (const auto& p : ps) prompt_tokens += p.size();
  CHECK(s.prompt_tokens_total == prompt_tokens);
  CHECK(s.generation_tokens_total == 30);
  CHECK(s.request_success_total[static_cast<size_t>(FinishedReasonLabel::kLength)] == 6);
  CHECK(s.request_success_total[static_cast<size_t>(FinishedReasonLabel::kStop)] == 0);
  CHECK(s.e2e_request_latency_seconds.count == 6);
  CHECK(s.time_to_first_token_seconds.count == 6);
  CHECK(s.inter_token_latency_seconds.count == 6 * 4);
  CHECK(s.request_generation_tokens.sum == doctest::Approx(30));
  CHECK(s.request_params_n.count == 6);
  CHECK(s.iteration_tokens_total.sum == doctest::Approx(static_cast<double>(prompt_tokens + 30)));
  CHECK(s.prefix_cache_queries_total == prompt_tokens);
}

TEST_CASE("stop strings, stop token ids and EOS end a request as vLLM does") {
  auto engine = fixture().engine(256);
  auto p = prompts(1)[0];
  SamplingParams params = greedy(24);
  // Steer the random model to lowercase letters (the model still picks among them), so
  // the text is readable and a stop string can be taken from it.
  for (int id = 0; id < 256; ++id) {
    if (std::islower(gpt2_byte_of_id(id))) params.logit_bias.push_back({id, 100.0f});
  }
  Result full = collect(*engine->submit({p, params}))[0];
  REQUIRE(full.tokens.size() == 24);

  SUBCASE("stop token id") {
    SamplingParams s = params;
    const TokenId stop = full.tokens[5];
    s.stop_token_ids = {stop};
    Result r = collect(*engine->submit({p, s}))[0];
    const auto first = std::find(full.tokens.begin(), full.tokens.end(), stop) - full.tokens.begin();
    CHECK(r.tokens.size() == static_cast<size_t>(first + 1));
    CHECK(r.reason == FinishReason::kStop);
    CHECK(r.stop_token == stop);
  }
  SUBCASE("EOS unless ignore_eos; min_tokens holds it back") {
    SamplingParams s = greedy(24);
    s.logit_bias = {{static_cast<TokenId>(kDemoImEndId), 100.0f}};  // EOS always wins
    s.ignore_eos = false;
    Result r = collect(*engine->submit({p, s}))[0];
    CHECK(r.tokens == std::vector<TokenId>{static_cast<TokenId>(kDemoImEndId)});
    CHECK(r.reason == FinishReason::kStop);
    CHECK_FALSE(r.stop_token.has_value());
    CHECK(r.text.empty());  // EOS is not part of the text
    s.min_tokens = 3;       // masked for the first three tokens, then it ends at once
    Result m = collect(*engine->submit({p, s}))[0];
    CHECK(m.tokens.size() == 4);
    CHECK(m.tokens.back() == kDemoImEndId);
    s.min_tokens = 0;
    s.ignore_eos = true;
    Result ignored = collect(*engine->submit({p, s}))[0];
    CHECK(ignored.tokens.size() == 24);
    CHECK(ignored.reason == FinishReason::kLength);
  }
  SUBCASE("stop string") {
    // Pick a stop string from the text the request produces when nothing stops it: the
    // first ASCII letter or digit after the fourth byte.
    const std::string text = full.text;
    size_t cut = 4;
    while (cut < text.size() && !std::isalnum(static_cast<unsigned char>(text[cut]))) ++cut;
    REQUIRE(cut + 2 < text.size());
    const std::string stop = text.substr(cut, 2);
    SamplingParams s = params;
    s.stop = {stop};
    Result r = collect(*engine->submit({p, s}))[0];
    CHECK(r.reason == FinishReason::kStop);
    CHECK(r.stop_string == stop);
    CHECK(r.text == text.substr(0, text.find(stop)));
    s.include_stop_str_in_output = true;
    Result inc = collect(*engine->submit({p, s}))[0];
    CHECK(inc.text == text.substr(0, text.find(stop) + stop.size()));
  }
}

TEST_CASE("a seed reproduces sampled text whatever else is in the batch; n > 1 samples differ") {
  auto engine = fixture().engine(256);
  auto ps = prompts(8);
  SamplingParams s;
  s.temperature = 1.0f;
  s.max_tokens = 12;
  s.ignore_eos = true;
  s.seed = 1234;
  Result alone = collect(*engine->submit({ps[0], s}))[0];
  std::vector<std::shared_ptr<OutputStream>> others;
  SamplingParams unseeded = s;
  unseeded.seed.reset();
  for (size_t i = 1; i < ps.size(); ++i) others.push_back(engine->submit({ps[i], unseeded}));
  Result crowded = collect(*engine->submit({ps[0], s}))[0];
  for (auto& o : others) collect(*o);
  CHECK(crowded.tokens == alone.tokens);

  s.n = 4;
  auto samples = collect(*engine->submit({ps[0], s}), 4);
  CHECK(samples[0].tokens == alone.tokens);  // sample i uses seed + i
  CHECK(samples[1].tokens != samples[0].tokens);
  for (const auto& r : samples) CHECK(r.tokens.size() == 12);
  CHECK(engine->stats().request_params_n.sum == doctest::Approx(1 + 7 + 1 + 4));
}

TEST_CASE("aborted requests free their blocks and are not counted") {
  auto engine = fixture().engine(256);
  auto ps = prompts(8);
  SamplingParams params = greedy(400);
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (const auto& p : ps) streams.push_back(engine->submit({p, params}));
  for (auto& s : streams) REQUIRE(s->next(10s).has_value());  // each has started
  for (auto& s : streams) engine->abort(s->request_id());
  for (auto& s : streams) {
    Result r = collect(*s)[0];
    CHECK(r.reason == FinishReason::kAbort);
  }
  EngineStats st = engine->stats();
  CHECK(st.kv_cache_usage_perc == 0.0);
  CHECK(st.num_requests_running == 0);
  CHECK(st.request_success_total[static_cast<size_t>(FinishedReasonLabel::kAbort)] == 0);
  CHECK(st.e2e_request_latency_seconds.count == 0);
}

TEST_CASE("requests that can never run are rejected at submit") {
  auto engine = fixture().engine(16);  // 64 tokens of cache
  SamplingParams params = greedy(8);
  CHECK_THROWS_AS(engine->submit({{}, params}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(engine->submit({std::vector<TokenId>(600, 1), params}),
                       doctest::Contains("max_model_len"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(engine->submit({std::vector<TokenId>(100, 1), params}),
                       doctest::Contains("KV blocks"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(engine->submit({{1, 99999}, params}), doctest::Contains("out of vocabulary"),
                       std::invalid_argument);
  SamplingParams bad = params;
  bad.top_p = 0;
  CHECK_THROWS_WITH_AS(engine->submit({{1, 2}, bad}), doctest::Contains("top_p"), std::invalid_argument);
}

TEST_CASE("stop() finishes requests in flight with abort") {
  auto engine = fixture().engine(256);
  auto stream = engine->submit({prompts(1)[0], greedy(5000 / 10)});
  REQUIRE(stream->next(10s).has_value());
  engine->stop();
  Result r = collect(*stream)[0];
  CHECK(r.reason == FinishReason::kAbort);
  CHECK_THROWS(engine->submit({{1}, greedy(1)}));
}
