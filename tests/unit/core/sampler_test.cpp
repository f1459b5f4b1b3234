// Sampler: which tokens top-k / top-p / min-p keep, penalties, bias, min_tokens, seeds
// and logprobs.
#include "engine/core/sampler.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>

using namespace vllmctl;

namespace {

// Logits whose softmax is exactly `probs` (plus `extra` near-zero tokens).
std::vector<float> logits_for(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

std::set<TokenId> kept(const std::vector<double>& probs, SamplingParams params) {
  auto l = logits_for(probs);
  std::set<TokenId> s;
  for (const auto& t : filtered_distribution(l, params)) s.insert(t.token);
  return s;
}

const std::vector<double> kProbs = {0.05, 0.5, 0.15, 0.3};  // ranks: 1, 3, 2, 0

}  // namespace

TEST_CASE("top-k keeps exactly the k most likely tokens") {
  SamplingParams p;
  p.top_k = 2;
  CHECK(kept(kProbs, p) == std::set<TokenId>{1, 3});
  p.top_k = 1;
  CHECK(kept(kProbs, p) == std::set<TokenId>{1});
  p.top_k = 0;
  CHECK(kept(kProbs, p).size() == 4);
  p.top_k = 99;
  CHECK(kept(kProbs, p).size() == 4);
}

TEST_CASE("top-p keeps the smallest most-likely set reaching p") {
  SamplingParams p;
  p.top_p = 0.45f;
  CHECK(kept(kProbs, p) == std::set<TokenId>{1});
  p.top_p = 0.75f;
  CHECK(kept(kProbs, p) == std::set<TokenId>{1, 3});
  p.top_p = 0.85f;
  CHECK(kept(kProbs, p) == std::set<TokenId>{1, 3, 2});
  p.top_p = 0.99f;
  CHECK(kept(kProbs, p).size() == 4);
}

TEST_CASE("top-p applies to what top-k left, renormalised") {
  SamplingParams p;
  p.top_k = 2;      // {0.5, 0.3} -> {0.625, 0.375}
  p.top_p = 0.6f;   // 0.625 >= 0.6: one token
  CHECK(kept(kProbs, p) == std::set<TokenId>{1});
  auto l = logits_for(kProbs);
  p.top_p = 1.0f;
  auto dist = filtered_distribution(l, p);
  REQUIRE(dist.size() == 2);
  CHECK(dist[0].logprob == doctest::Approx(0.625));  // field holds the probability here
  CHECK(dist[1].logprob == doctest::Approx(0.375));
}

TEST_CASE("min-p keeps tokens at least min_p times as likely as the best") {
  SamplingParams p;
  p.min_p = 0.2f;  // threshold 0.1
  CHECK(kept(kProbs, p) == std::set<TokenId>{1, 3, 2});
  p.min_p = 0.7f;  // threshold 0.35
  CHECK(kept(kProbs, p) == std::set<TokenId>{1});
}

TEST_CASE("a large vocabulary with top-p widens its partial sort correctly") {
  std::vector<double> flat(5000, 1.0 / 5000);
  SamplingParams p;
  p.top_p = 0.5f;
  auto l = logits_for(flat);
  auto dist = filtered_distribution(l, p);
  CHECK(dist.size() == doctest::Approx(2500).epsilon(0.01));
}

TEST_CASE("a seed reproduces the samples; draws follow the distribution") {
  SamplingParams p;
  p.temperature = 1.0f;
  std::vector<TokenId> none;
  SequenceTokens seq{none, none};
  auto draw_many = [&](uint64_t seed, int n) {
    std::mt19937_64 rng(seed);
    std::vector<TokenId> out;
    for (int i = 0; i < n; ++i) {
      auto l = logits_for(kProbs);
      out.push_back(sample_token(l, p, seq, {}, rng).token);
    }
    return out;
  };
  CHECK(draw_many(7, 50) == draw_many(7, 50));
  CHECK(draw_many(7, 50) != draw_many(8, 50));
  std::map<TokenId, int> counts;
  for (TokenId t : draw_many(1, 20000)) ++counts[t];
  for (TokenId t = 0; t < 4; ++t) {
    CHECK(counts[t] / 20000.0 == doctest::Approx(kProbs[static_cast<size_t>(t)]).epsilon(0.1));
  }
}

TEST_CASE("temperature near zero is greedy; a high temperature flattens") {
  SamplingParams p;
  p.temperature = 0.0f;
  std::mt19937_64 rng(0);
  std::vector<TokenId> none;
  for (int i = 0; i < 20; ++i) {
    auto l = logits_for(kProbs);
    CHECK(sample_token(l, p, {none, none}, {}, rng).token == 1);
  }
}

TEST_CASE("penalties change logits as vLLM specifies") {
  std::vector<float> l = {2.0f, -2.0f, 1.0f, 0.5f, 3.0f};
  std::vector<TokenId> prompt = {0, 1};
  std::vector<TokenId> output = {2, 2, 3};
  SamplingParams p;
  p.repetition_penalty = 2.0f;  // prompt and output tokens: positive / 2, negative * 2
  p.frequency_penalty = 0.5f;   // output tokens: - 0.5 * count
  p.presence_penalty = 0.25f;   // output tokens: - 0.25 once
  apply_penalties(l, p, {prompt, output});
  CHECK(l[0] == doctest::Approx(1.0));
  CHECK(l[1] == doctest::Approx(-4.0));
  CHECK(l[2] == doctest::Approx(0.5 - 1.0 - 0.25));
  CHECK(l[3] == doctest::Approx(0.25 - 0.5 - 0.25));
  CHECK(l[4] == doctest::Approx(3.0));  // never seen: untouched
}

TEST_CASE("logit bias and min_tokens steer the choice") {
  std::vector<TokenId> prompt = {1};
  std::vector<TokenId> output = {};
  std::vector<TokenId> eos = {4};
  std::mt19937_64 rng(0);
  SamplingParams p;
  p.temperature = 0.0f;
  std::vector<float> l = {0, 0, 0, 0, 10};
  CHECK(sample_token(l, p, {prompt, output}, eos, rng).token == 4);
  p.min_tokens = 1;  // EOS masked before the first generated token
  l = {0, 0, 3, 0, 10};
  CHECK(sample_token(l, p, {prompt, output}, eos, rng).token == 2);
  p.min_tokens = 0;
  p.logit_bias = {{0, 100.0f}, {999, 5.0f}};  // out-of-vocab ids are ignored
  l = {0, 0, 3, 0, 10};
  CHECK(sample_token(l, p, {prompt, output}, eos, rng).token == 0);
}

TEST_CASE("logprobs are of the raw logits, best first") {
  std::vector<float> l = logits_for(kProbs);
  SamplingParams p;
  p.temperature = 0.0f;
  p.logprobs = 2;
  p.repetition_penalty = 10.0f;  // changes the choice, not the reported logprobs
  std::vector<TokenId> prompt = {1};
  std::mt19937_64 rng(0);
  auto r = sample_token(l, p, {prompt, {}}, {}, rng);
  CHECK(r.token == 3);
  CHECK(r.logprob == doctest::Approx(std::log(0.3)));
  REQUIRE(r.top_logprobs.size() == 2);
  CHECK(r.top_logprobs[0].token == 1);
  CHECK(r.top_logprobs[0].logprob == doctest::Approx(std::log(0.5)));
  CHECK(r.top_logprobs[1].token == 3);
}

namespace {

// Allows the listed tokens only; counts how often the sampler had to mask.
class AllowSet final : public TokenFilter {
 public:
  explicit AllowSet(std::set<TokenId> allowed) : allowed_(std::move(allowed)) {}
  bool allows(TokenId t) const override { return allowed_.count(t) > 0; }
  void mask(std::span<float> logits) const override {
    ++masks;
    for (size_t i = 0; i < logits.size(); ++i) {
      if (!allows(static_cast<TokenId>(i))) logits[i] = -std::numeric_limits<float>::infinity();
    }
  }
  mutable int masks = 0;

 private:
  std::set<TokenId> allowed_;
};

}  // namespace

TEST_CASE("a token filter: greedy takes the best allowed token, masking only when needed") {
  SamplingParams p;
  p.temperature = 0.0f;
  std::mt19937_64 rng(0);
  AllowSet filter({0, 2});
  std::vector<float> l = logits_for(kProbs);  // best is 1, then 3, then 2
  CHECK(sample_token(l, p, {}, {}, rng, &filter).token == 2);
  CHECK(filter.masks == 1);
  AllowSet lenient({1, 2});
  l = logits_for(kProbs);
  CHECK(sample_token(l, p, {}, {}, rng, &lenient).token == 1);
  CHECK(lenient.masks == 0);  // the unmasked choice was allowed
  AllowSet none({});
  l = logits_for(kProbs);
  CHECK(sample_token(l, p, {}, {}, rng, &none).token == -1);
}

TEST_CASE("a token filter: draws follow the distribution renormalised over allowed tokens") {
  // Allowed {0, 2, 3} with probabilities .05, .15, .3: expect 0.1, 0.3, 0.6.
  SamplingParams p;
  p.temperature = 1.0f;
  AllowSet filter({0, 2, 3});
  std::mt19937_64 rng(42);
  std::map<TokenId, int> counts;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    std::vector<float> l = logits_for(kProbs);
    ++counts[sample_token(l, p, {}, {}, rng, &filter).token];
  }
  CHECK(counts.count(1) == 0);
  CHECK(counts[0] / double(kDraws) == doctest::Approx(0.1).epsilon(0.1));
  CHECK(counts[2] / double(kDraws) == doctest::Approx(0.3).epsilon(0.05));
  CHECK(counts[3] / double(kDraws) == doctest::Approx(0.6).epsilon(0.05));

  // With top-k the filter applies first, as in vLLM: top_k = 1 keeps the best allowed token.
  p.top_k = 1;
  std::vector<float> l = logits_for(kProbs);
  CHECK(sample_token(l, p, {}, {}, rng, &filter).token == 3);
}
