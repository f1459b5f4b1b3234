// The sampling twin against vllmctl::sample_token itself: for many random rows (greedy and
// sampled, every filter, penalties, bias, min_tokens masks, ties from bf16-rounded logits)
// the same token for the same uniform draw, and the same logprobs.
#include <doctest/doctest.h>

#include <random>

#include "engine/core/sampler.h"
#include "kernels/sampling.h"
#include "tests/unit/kernels/kernel_test_util.h"

using namespace vllmctl;
using kernels::SamplingRows;

namespace {

// One random row: the engine's view (params, sequence) and the logits.
struct Row {
  SamplingParams params;
  std::vector<TokenId> prompt, output, eos;
  std::vector<float> logits;
};

Row random_row(int vocab, std::mt19937& rng) {
  auto pick = [&](auto... options) {
    const std::vector<std::common_type_t<decltype(options)...>> v{options...};
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  };
  auto token = [&] { return std::uniform_int_distribution<int>(-2, vocab + 2)(rng); };  // some out of range
  Row row;
  SamplingParams& p = row.params;
  p.temperature = pick(0.0f, 1e-6f, 0.3f, 0.7f, 1.0f, 1.7f);
  p.top_k = pick(0, -1, 1, 3, 40, vocab, vocab + 5);
  p.top_p = pick(1.0f, 1.0f, 0.95f, 0.6f, 0.1f);
  p.min_p = pick(0.0f, 0.0f, 0.02f, 0.3f);
  p.repetition_penalty = pick(1.0f, 1.3f, 0.8f);
  p.frequency_penalty = pick(0.0f, 0.5f, -0.7f);
  p.presence_penalty = pick(0.0f, 0.4f, -1.1f);
  const int num_bias = pick(0, 0, 3, 12);
  for (int i = 0; i < num_bias; ++i) {
    p.logit_bias.emplace_back(i % 4 == 3 && i > 0 ? p.logit_bias.back().first : token(),
                              std::uniform_real_distribution<float>(-30, 30)(rng));
  }
  p.min_tokens = vocab > 4 ? pick(0, 0, 5) : 0;  // never every token masked
  p.stop_token_ids = {token(), token()};
  row.eos = {token()};
  for (int i = pick(0, 4, 40); i > 0; --i) row.prompt.push_back(token());
  for (int i = pick(0, 3, 30); i > 0; --i) row.output.push_back(token());
  for (int i = pick(0, 6); i > 0 && !row.prompt.empty(); --i) row.output.push_back(row.prompt[0]);

  std::normal_distribution<float> normal(0.0f, pick(0.5f, 3.0f, 12.0f));
  row.logits.resize(static_cast<size_t>(vocab));
  for (auto& x : row.logits) x = normal(rng);
  if (pick(false, true)) {  // bf16-rounded logits: many exact ties
    row.logits = kernels::test::Buffer(kernels::DType::kBF16, row.logits).floats();
  }
  return row;
}

// The rows as the kernels' CSR inputs (vectors owned here, pointed to by `rows`).
struct Batch {
  std::vector<float> temperature, top_p, min_p, rep, freq, pres, bias_values;
  std::vector<int32_t> top_k, bias_offsets{0}, bias_tokens, mask_offsets{0}, mask_tokens,
      penalty_offsets{0}, penalty_tokens, penalty_counts;
  std::vector<double> uniform;
  SamplingRows rows;

  explicit Batch(const std::vector<Row>& in, const std::vector<double>& u) : uniform(u) {
    for (const Row& row : in) {
      const SamplingParams& p = row.params;
      temperature.push_back(p.temperature);
      top_k.push_back(p.top_k);
      top_p.push_back(p.top_p);
      min_p.push_back(p.min_p);
      rep.push_back(p.repetition_penalty);
      freq.push_back(p.frequency_penalty);
      pres.push_back(p.presence_penalty);
      for (const auto& [t, b] : p.logit_bias) {
        bias_tokens.push_back(t);
        bias_values.push_back(b);
      }
      bias_offsets.push_back(static_cast<int32_t>(bias_tokens.size()));
      if (static_cast<int>(row.output.size()) < p.min_tokens) {
        mask_tokens.insert(mask_tokens.end(), row.eos.begin(), row.eos.end());
        mask_tokens.insert(mask_tokens.end(), p.stop_token_ids.begin(), p.stop_token_ids.end());
      }
      mask_offsets.push_back(static_cast<int32_t>(mask_tokens.size()));
      kernels::append_penalty_entries(row.prompt.data(), static_cast<int64_t>(row.prompt.size()),
                                      row.output.data(), static_cast<int64_t>(row.output.size()),
                                      penalty_tokens, penalty_counts);
      penalty_offsets.push_back(static_cast<int32_t>(penalty_tokens.size()));
    }
    rows = {temperature.data(), top_k.data(), top_p.data(), min_p.data(), rep.data(),
            freq.data(), pres.data(), uniform.data(), bias_offsets.data(), bias_tokens.data(),
            bias_values.data(), mask_offsets.data(), mask_tokens.data(), penalty_offsets.data(),
            penalty_tokens.data(), penalty_counts.data()};
  }
};

}  // namespace

TEST_CASE("kernels::cpu::sample picks sample_token's token for the same uniform draw") {
  std::mt19937 rng(29);
  int num_rows_checked = 0, num_sampled = 0;
  for (int vocab : {1, 2, 7, 300, 5000, 40000}) {
    const int num_batches = vocab >= 40000 ? 3 : 40;
    for (int b = 0; b < num_batches; ++b) {
      const int num_rows = std::uniform_int_distribution<int>(1, 6)(rng);
      std::vector<Row> rows;
      std::vector<double> uniform;
      std::vector<int32_t> want(static_cast<size_t>(num_rows));
      std::vector<float> logits;
      for (int r = 0; r < num_rows; ++r) {
        rows.push_back(random_row(vocab, rng));
        Row& row = rows.back();
        logits.insert(logits.end(), row.logits.begin(), row.logits.end());
        std::mt19937_64 gen(rng());
        std::mt19937_64 copy = gen;  // the draw sample_token will make
        uniform.push_back(std::uniform_real_distribution<double>(0.0, 1.0)(copy));
        std::vector<float> scratch = row.logits;
        want[static_cast<size_t>(r)] = sample_token(scratch, row.params, {row.prompt, row.output}, row.eos, gen).token;
        num_sampled += row.params.greedy() ? 0 : 1;
      }
      const Batch batch(rows, uniform);
      std::vector<int32_t> got(static_cast<size_t>(num_rows), -1);
      std::vector<float> scratch(logits.size());
      kernels::cpu::sample(got.data(), logits.data(), scratch.data(), batch.rows, num_rows, vocab);
      for (int r = 0; r < num_rows; ++r) {
        CAPTURE(vocab);
        CAPTURE(r);
        REQUIRE(got[static_cast<size_t>(r)] == want[static_cast<size_t>(r)]);
      }
      num_rows_checked += num_rows;
      // In place (scratch == logits) gives the same tokens.
      std::vector<int32_t> again(static_cast<size_t>(num_rows), -1);
      kernels::cpu::sample(again.data(), logits.data(), logits.data(), batch.rows, num_rows, vocab);
      CHECK(again == got);
    }
  }
  CHECK(num_rows_checked > 500);
  CHECK(num_sampled > 200);
}

TEST_CASE("kernels::cpu::logprobs matches sample_token's logprobs") {
  std::mt19937 rng(31);
  for (int vocab : {1, 5, 1000, 30000}) {
    const int num_rows = 3, num_top = std::min(vocab, 7);
    std::vector<float> logits;
    std::vector<int32_t> tokens;
    std::vector<SampleResult> want;
    for (int r = 0; r < num_rows; ++r) {
      Row row = random_row(vocab, rng);
      row.params = SamplingParams{};
      row.params.logprobs = num_top;
      logits.insert(logits.end(), row.logits.begin(), row.logits.end());
      std::mt19937_64 gen(static_cast<uint64_t>(r));
      std::vector<float> scratch = row.logits;
      want.push_back(sample_token(scratch, row.params, {}, {}, gen));
      tokens.push_back(want.back().token);
    }
    std::vector<float> lp(num_rows), top_lp(static_cast<size_t>(num_rows * num_top));
    std::vector<int32_t> top(static_cast<size_t>(num_rows * num_top));
    kernels::cpu::logprobs(lp.data(), top.data(), top_lp.data(), logits.data(), tokens.data(),
                           num_rows, vocab, num_top);
    for (int r = 0; r < num_rows; ++r) {
      CHECK(lp[static_cast<size_t>(r)] == want[static_cast<size_t>(r)].logprob);
      REQUIRE(want[static_cast<size_t>(r)].top_logprobs.size() == static_cast<size_t>(num_top));
      for (int j = 0; j < num_top; ++j) {
        CHECK(top[static_cast<size_t>(r * num_top + j)] == want[static_cast<size_t>(r)].top_logprobs[static_cast<size_t>(j)].token);
        CHECK(top_lp[static_cast<size_t>(r * num_top + j)] == want[static_cast<size_t>(r)].top_logprobs[static_cast<size_t>(j)].logprob);
      }
    }
  }
}

TEST_CASE("kernels::cpu::sample gives -1 when every logit is masked") {
  const std::vector<float> logits{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};  // 2 rows of 3
  const std::vector<float> temperature{0.0f, 0.8f}, top_p{1.0f, 0.9f}, min_p{0.0f, 0.0f};
  const std::vector<int32_t> top_k{0, 2}, mask_offsets{0, 3, 6}, mask_tokens{0, 1, 2, 2, 0, 1};
  const std::vector<double> uniform{0.5, 0.5};
  SamplingRows rows;
  rows.temperature = temperature.data();
  rows.top_k = top_k.data();
  rows.top_p = top_p.data();
  rows.min_p = min_p.data();
  rows.uniform = uniform.data();
  rows.mask_offsets = mask_offsets.data();
  rows.mask_tokens = mask_tokens.data();
  std::vector<float> scratch(logits.size());
  std::vector<int32_t> tokens(2, 7);
  kernels::cpu::sample(tokens.data(), logits.data(), scratch.data(), rows, 2, 3);
  CHECK(tokens == std::vector<int32_t>{-1, -1});
}

TEST_CASE("append_penalty_entries lists each distinct token once with its output count") {
  const std::vector<int32_t> prompt{5, 3, 5, 9}, output{3, 7, 3, 7, 7};
  std::vector<int32_t> tokens, counts;
  kernels::append_penalty_entries(prompt.data(), 4, output.data(), 5, tokens, counts);
  CHECK(tokens == std::vector<int32_t>{5, 3, 9, 7});
  CHECK(counts == std::vector<int32_t>{0, 2, 0, 3});
}
