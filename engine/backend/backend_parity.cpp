// compare_backends: the scripted steps, built as the engine's ForwardBatch would be.
#include "engine/backend/backend_parity.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vllmctl {

namespace {

using Seq = ScriptSeq;
using Step = std::vector<std::pair<int, int>>;  // (sequence, new tokens)

int argmax(const float* x, int n) { return static_cast<int>(std::max_element(x, x + n) - x); }

// Parameters whose token is the argmax whatever the draw: greedy, top-k 1, a tiny top-p.
const SamplingParams& determined_params(size_t row) {
  static const std::array<SamplingParams, 3> kinds = [] {
    SamplingParams greedy, top_k, top_p;
    greedy.temperature = 0.0f;
    top_k.temperature = 0.7f;
    top_k.top_k = 1;
    top_p.temperature = 1.3f;
    top_p.top_p = 1e-4f;
    return std::array<SamplingParams, 3>{greedy, top_k, top_p};
  }();
  return kinds[row % 3];
}

// Re-runs `batch` on a device sampler: one row, which moves with `step`, comes back as
// logits, the others are sampled with determined_params. Re-running a step writes the
// same KV again, so it changes nothing.
void check_device_sampling(Backend& candidate, const ForwardBatch& batch, int step, const Seq* seqs,
                           const std::vector<float>& logits, ParityReport& report) {
  const int vocab = candidate.vocab_size();
  const size_t num_rows = batch.sample_rows.size();
  const size_t host_row = static_cast<size_t>(step) % num_rows;
  DeviceSampling sampling;
  sampling.host_rows = {static_cast<int32_t>(host_row)};
  for (size_t r = 0; r < num_rows; ++r) {
    if (r == host_row) continue;
    const Seq& s = seqs[r];
    const std::span<const int32_t> all(s.tokens);
    sampling.rows.push_back({static_cast<int>(r), &determined_params(r), {all.first(static_cast<size_t>(s.computed)), {}},
                             0.25 + 0.3 * static_cast<double>(r % 3)});
  }
  const SampledStep result = candidate.forward_sampled(batch, sampling);
  for (size_t i = 0; i < sampling.rows.size(); ++i) {
    const size_t r = static_cast<size_t>(sampling.rows[i].row);
    ++report.device_sampled;
    if (i >= result.tokens.size() || result.tokens[i] != argmax(logits.data() + r * static_cast<size_t>(vocab), vocab)) {
      ++report.device_sampled_wrong;
    }
  }
  const auto host_logits = logits.begin() + static_cast<ptrdiff_t>(host_row) * vocab;
  if (result.host_logits.size() != static_cast<size_t>(vocab) ||
      !std::equal(result.host_logits.begin(), result.host_logits.end(), host_logits)) {
    ++report.host_rows_wrong;
  }
}

}  // namespace

ForwardBatch scripted_batch(std::vector<ScriptSeq>& seqs, const std::vector<std::pair<int, int>>& step,
                            int block_size, int blocks_per_seq) {
  ForwardBatch b;
  b.max_blocks_per_seq = blocks_per_seq;
  b.query_start.push_back(0);
  for (auto [s, count] : step) {
    ScriptSeq& q = seqs[static_cast<size_t>(s)];
    for (int i = 0; i < count; ++i) {
      const int pos = q.computed + i;
      b.token_ids.push_back(q.tokens[static_cast<size_t>(pos)]);
      b.positions.push_back(pos);
      const int block = s * blocks_per_seq + pos / block_size;
      b.slot_mapping.push_back(block * block_size + pos % block_size);
    }
    q.computed += count;
    b.query_start.push_back(b.num_tokens());
    b.context_lens.push_back(q.computed);
    for (int j = 0; j < blocks_per_seq; ++j) b.block_tables.push_back(s * blocks_per_seq + j);
    b.sample_rows.push_back(b.num_tokens() - 1);
    b.sample_seqs.push_back(static_cast<int32_t>(b.sample_seqs.size()));
  }
  return b;
}

bool ParityReport::within(float tolerance, double min_agreement) const {
  return sizes_match && finite && rows > 0 && worst_relative_error <= tolerance && device_sampled_wrong == 0 &&
         host_rows_wrong == 0 &&
         static_cast<double>(argmax_agree) >= min_agreement * static_cast<double>(rows);
}

std::string ParityReport::summary() const {
  if (!sizes_match) return fmt::format("step {}: the backends returned different numbers of logits", steps);
  std::string device;
  if (device_sampled > 0) {
    device = fmt::format("; device sampling right on {}/{} rows", device_sampled - device_sampled_wrong,
                         device_sampled);
    if (host_rows_wrong > 0) device += fmt::format(", {} host rows came back changed", host_rows_wrong);
  }
  return fmt::format("{} rows over {} steps: worst |Δlogit| {:.2f}% of the largest logit ({}), greedy token agrees "
                     "on {}/{}{}{}",
                     rows, steps, 100.0f * worst_relative_error, worst_where.empty() ? "-" : worst_where,
                     argmax_agree, rows, finite ? "" : ", NON-FINITE logits", device);
}

ParityReport compare_backends(Backend& reference, Backend& candidate, const ParityOptions& options) {
  const int block_size = reference.block_size();
  if (candidate.block_size() != block_size || candidate.vocab_size() != reference.vocab_size()) {
    throw std::invalid_argument("compare_backends: the backends differ in block size or vocabulary");
  }
  if (options.blocks_per_seq * block_size < 320) {
    throw std::invalid_argument("compare_backends: blocks_per_seq * block_size must be at least 320");
  }
  const int vocab = reference.vocab_size();
  std::mt19937 rng(static_cast<uint32_t>(options.seed));
  auto prompt = [&](int n) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (auto& x : t) x = static_cast<int32_t>(rng() % static_cast<unsigned>(vocab));
    return t;
  };
  std::vector<Seq> ref_seqs = {{prompt(37), 0}, {prompt(5), 0}, {prompt(300), 0}};
  std::vector<Seq> cand_seqs = ref_seqs;

  std::vector<Step> steps = {{{0, 20}}, {{0, 17}, {1, 5}}, {{0, 1}, {1, 1}, {2, 300}}};
  for (int i = 0; i < 6; ++i) steps.push_back({{0, 1}, {1, 1}, {2, 1}});
  steps.push_back({{0, 1}, {2, 1}});
  steps.push_back({{1, 1}});

  ParityReport report;
  for (const Step& step : steps) {
    const ForwardBatch rb = scripted_batch(ref_seqs, step, block_size, options.blocks_per_seq);
    const ForwardBatch cb = scripted_batch(cand_seqs, step, block_size, options.blocks_per_seq);
    const std::span<float> want = reference.forward(rb);
    const std::span<float> got_view = candidate.forward(cb);
    if (want.size() != got_view.size() || want.size() != rb.sample_rows.size() * static_cast<size_t>(vocab)) {
      report.sizes_match = false;
      return report;
    }
    const std::vector<float> got(got_view.begin(), got_view.end());  // forward_sampled reuses the buffer
    if (candidate.samples_on_device()) {
      // Each row's sequence, all of its tokens so far standing in as the prompt (the
      // determined parameters have no penalties, so the split does not matter).
      std::vector<Seq> row_seqs;
      for (auto [s, count] : step) {
        Seq q = cand_seqs[static_cast<size_t>(s)];
        q.tokens.resize(static_cast<size_t>(q.computed));
        row_seqs.push_back(std::move(q));
      }
      check_device_sampling(candidate, cb, report.steps, row_seqs.data(), got, report);
    }
    for (size_t r = 0; r < rb.sample_rows.size(); ++r) {
      const float* w = want.data() + r * static_cast<size_t>(vocab);
      const float* g = got.data() + r * static_cast<size_t>(vocab);
      float max_ref = 0.0f, max_err = 0.0f;
      for (int v = 0; v < vocab; ++v) {
        max_ref = std::max(max_ref, std::fabs(w[v]));
        const float err = std::fabs(w[v] - g[v]);
        if (!std::isfinite(g[v])) report.finite = false;
        max_err = std::max(max_err, std::isfinite(err) ? err : INFINITY);
      }
      const float rel = max_err / std::max(max_ref, 1e-6f);
      if (rel > report.worst_relative_error) {
        report.worst_relative_error = rel;
        report.worst_where = fmt::format("step {}, row {}", report.steps, r);
      }
      ++report.rows;
      const int next = argmax(w, vocab);
      report.argmax_agree += next == argmax(g, vocab);
      Seq& rs = ref_seqs[static_cast<size_t>(step[r].first)];
      if (rs.computed == static_cast<int>(rs.tokens.size())) {
        rs.tokens.push_back(next);
        cand_seqs[static_cast<size_t>(step[r].first)].tokens.push_back(next);
      }
    }
    ++report.steps;
  }
  return report;
}

}  // namespace vllmctl
