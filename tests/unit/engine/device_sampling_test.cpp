// Sampling where the logits are (Backend::forward_sampled): the packed per-row parameters
// drive the sampling kernel's CPU twin to exactly sample_token's choices, and an engine
// whose backend samples "on its device" (here: the CPU backend plus the twin, the CUDA
// backend's contract) produces the same tokens as the host sampler, while rows with
// logprobs or structured output still come back to the host.
#include "engine/backend/backend.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/sampling_pack.h"
#include "engine/core/sampler.h"
#include "engine/model/demo_tokenizer.h"
#include "engine/model/model_dir.h"
#include "engine/runtime/engine.h"
#include "engine/structured/json_grammar.h"
#include "kernels/sampling.h"
#include "tests/unit/test_support.h"
#include "tests/unit/tiny_model.h"
#include "tests/unit/twin_sampling_backend.h"

#include <doctest/doctest.h>

#include <random>

using namespace vllmctl;
using namespace std::chrono_literals;
using vllmctl::test::TwinSamplingBackend;

namespace {

SamplingParams varied(int i) {
  SamplingParams p;
  p.max_tokens = 12;
  p.ignore_eos = (i % 3) != 0;
  switch (i % 6) {
    case 0: p.temperature = 0; break;
    case 1: p.temperature = 0.8f; p.top_k = 20; p.top_p = 0.9f; break;
    case 2: p.temperature = 1.2f; p.min_p = 0.05f; p.repetition_penalty = 1.3f; break;
    case 3: p.temperature = 0.7f; p.frequency_penalty = 0.5f; p.presence_penalty = 0.4f; p.min_tokens = 6; break;
    case 4: p.temperature = 1.0f; p.logit_bias = {{7, 5.0f}, {9, -100.0f}, {7, 1.0f}}; break;
    case 5: p.temperature = 0; p.repetition_penalty = 0.8f; p.stop_token_ids = {11, 12}; p.min_tokens = 3; break;
  }
  p.seed = 1000 + static_cast<uint64_t>(i);
  return p;
}

}  // namespace

TEST_CASE("packed rows make the sampling twin pick exactly what sample_token picks") {
  std::mt19937 gen(11);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  const int vocab = 300;
  const std::vector<TokenId> eos = {2, 5};
  std::vector<std::vector<TokenId>> prompts, outputs;
  std::vector<SamplingParams> params;
  std::vector<BackendSampleRow> rows;
  std::vector<float> logits;
  std::vector<TokenId> want;
  for (int i = 0; i < 60; ++i) {
    params.push_back(varied(i));
    prompts.push_back({});
    outputs.push_back({});
    for (int j = 0; j < 10 + i % 7; ++j) prompts.back().push_back(static_cast<TokenId>(gen() % vocab));
    for (int j = 0; j < i % 9; ++j) outputs.back().push_back(static_cast<TokenId>(gen() % 40));  // repeats
  }
  for (int i = 0; i < 60; ++i) {
    std::vector<float> row(vocab);
    for (float& x : row) x = normal(gen);
    logits.insert(logits.end(), row.begin(), row.end());
    const SequenceTokens toks{prompts[i], outputs[i]};
    std::mt19937_64 rng(static_cast<uint64_t>(i));
    std::mt19937_64 rng_copy = rng;
    want.push_back(sample_token(row, params[i], toks, eos, rng).token);
    const double u = params[i].greedy() ? 0.0 : std::uniform_real_distribution<double>(0.0, 1.0)(rng_copy);
    rows.push_back({i, &params[i], toks, u});
  }
  const PackedSamplingRows packed = pack_sampling_rows(rows, eos);
  REQUIRE(packed.num_rows() == 60);
  std::vector<TokenId> got(60);
  std::vector<float> scratch(logits.size());
  kernels::cpu::sample(got.data(), logits.data(), scratch.data(), packed.host_view(), 60, vocab);
  CHECK(got == want);
  // The min_tokens mask (EOS, then stop tokens) only while the output is short.
  auto mask_len = [&](int r) { return packed.mask_offsets[r + 1] - packed.mask_offsets[r]; };
  CHECK(mask_len(3) == 2);   // min_tokens 6, 3 generated: the two EOS ids
  CHECK(mask_len(15) == 0);  // min_tokens 6, 6 generated
  CHECK(mask_len(11) == 4);  // min_tokens 3, 2 generated: EOS ids and stop ids 11, 12
  // Penalty entries only for rows with a penalty: row 0 (greedy, none) has none.
  CHECK(packed.penalty_offsets[1] == 0);
  CHECK(packed.penalty_offsets[3] > packed.penalty_offsets[2]);
}

TEST_CASE("an engine whose backend samples on its device gives the host sampler's tokens") {
  vllmctl::test::TempDir dir;
  vllmctl::test::write_tiny_model(dir.path(), vllmctl::test::TinyArch::kQwen2, DType::kF32, 5);
  const ModelDir model = open_model_dir(dir.path());
  auto tokenizer = std::make_shared<Tokenizer>(Tokenizer::from_json_text(demo_tokenizer_json()));
  EngineOptions o;
  o.scheduler = SchedulerConfig{16, 128, 512, true};
  o.eos_token_ids = {static_cast<TokenId>(kDemoImEndId)};

  size_t device_rows = 0, host_rows = 0;
  auto run = [&](std::unique_ptr<Backend> backend) {
    auto* twin = dynamic_cast<TwinSamplingBackend*>(backend.get());
    Engine engine(std::move(backend), tokenizer, o);
    std::vector<std::shared_ptr<OutputStream>> streams;
    for (int i = 0; i < 18; ++i) {
      SamplingParams p = varied(i);
      // The tiny model's logits are large (unit-variance tied embeddings): a high
      // temperature spreads the distribution, so the draw decides the token.
      if (!p.greedy()) p.temperature *= 6.0f;
      p.n = i % 5 == 0 ? 2 : 1;
      if (i % 4 == 1) p.logprobs = 2;  // these rows come back to the host
      std::vector<TokenId> prompt;
      for (int j = 0; j < 5 + i; ++j) prompt.push_back(static_cast<TokenId>((i * 31 + j * 7) % 256));
      EngineRequest request;
      request.prompt_token_ids = prompt;
      request.params = p;
      if (i % 7 == 6) {  // structured output: also sampled on the host
        request.json_grammar = std::make_shared<structured::JsonGrammar>(structured::JsonGrammar::any_object());
        request.params.max_tokens = 24;
      }
      streams.push_back(engine.submit(request));
    }
    // Per sample: its tokens, then its logprobs (the token's, then each top-2 token id and logprob) as floats.
    std::vector<std::pair<std::vector<TokenId>, std::vector<float>>> out;
    for (auto& s : streams) {
      std::vector<std::pair<std::vector<TokenId>, std::vector<float>>> samples(2);
      while (!s->done()) {
        auto u = s->next(10s);
        REQUIRE(u.has_value());
        auto& [tokens, logprobs] = samples[static_cast<size_t>(u->index)];
        tokens.insert(tokens.end(), u->token_ids.begin(), u->token_ids.end());
        for (const SampleResult& lp : u->logprobs) {
          logprobs.push_back(lp.logprob);
          for (const TokenLogprob& t : lp.top_logprobs) {
            logprobs.push_back(static_cast<float>(t.token));
            logprobs.push_back(t.logprob);
          }
        }
      }
      out.insert(out.end(), samples.begin(), samples.end());
    }
    engine.stop();  // joins the engine thread: the counters are final
    if (twin) {
      device_rows = twin->device_sampled;
      host_rows = twin->host_sampled;
    }
    return out;
  };
  auto cpu = [&] { return std::make_unique<cpu::CpuBackend>(model, cpu::CpuBackendOptions{256, 4}); };
  const auto want = run(cpu());
  const auto got = run(std::make_unique<TwinSamplingBackend>(cpu()));
  // Tokens exactly. Logprob values to 1e-4: the two runs batch requests differently (the
  // engine thread races the submissions), and the CPU GEMM's rounding depends on the
  // batch, so the last bits of a logprob can differ while every token agrees.
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("sample " << i);
    CHECK(got[i].first == want[i].first);
    REQUIRE(got[i].second.size() == want[i].second.size());
    for (size_t j = 0; j < want[i].second.size(); ++j) {
      CHECK(got[i].second[j] == doctest::Approx(want[i].second[j]).epsilon(1e-4));
    }
  }
  size_t with_logprobs = 0;
  for (const auto& sample : want) with_logprobs += !sample.second.empty();
  CHECK(with_logprobs >= 4);
  CHECK(device_rows > 100);  // both paths ran
  CHECK(host_rows > 20);
  size_t generated = 0;
  for (const auto& t : want) generated += t.first.size();
  CHECK(generated > 150);
}
