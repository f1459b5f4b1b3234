// The CPU backend against an independent PyTorch forward (tests/peers/torch_reference.py)
// of the same safetensors: logits at every sampled position, through chunked prefill,
// batched decode and prefix-cache hits, for each architecture family.
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/core/forward_batch.h"
#include "engine/core/scheduler.h"
#include "engine/model/model_dir.h"
#include "tests/unit/tiny_model.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

using namespace vllmctl;
using vllmctl::test::TempDir;
using vllmctl::test::TinyArch;

namespace {

bool torch_available() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  if (!ok) {
    std::fprintf(stderr, "SKIPPED: /usr/bin/python3 has no torch (Debian python3-torch; "
                         "packaging/setup.sh --test installs it)\n");
  }
  return ok;
}

struct Observation {
  size_t seq;       // index into the requests
  int position;     // the sampled row's token position
  std::vector<float> logits;
};

struct GreedyRun {
  std::vector<std::vector<TokenId>> sequences;  // final tokens of each request
  std::vector<Observation> observations;
  int prefix_hit_tokens = 0;
};

// Greedy generation of `prompts` through the real scheduler with small budgets, so
// prompts are chunked, decodes batch with prefills, and later requests hit the cache.
GreedyRun run_greedy(Backend& backend, const std::vector<std::vector<TokenId>>& prompts,
                     int max_tokens, int token_budget) {
  BlockManager blocks(backend.num_kv_blocks(), backend.block_size(), true);
  Scheduler sched(SchedulerConfig{8, token_budget, 1024, true}, blocks);
  std::vector<std::unique_ptr<Request>> reqs;
  GreedyRun run;
  size_t next = 0;
  auto admit = [&] {  // one new request per step: arrivals spread over time
    if (next >= prompts.size()) return;
    auto r = std::make_unique<Request>();
    r->id = next;
    r->token_ids = prompts[next];
    r->num_prompt_tokens = static_cast<int>(prompts[next].size());
    r->max_tokens = max_tokens;
    REQUIRE(sched.check_fits(*r).empty());
    sched.add(r.get());
    reqs.push_back(std::move(r));
    ++next;
  };
  admit();
  const auto vocab = static_cast<size_t>(backend.vocab_size());
  while (sched.has_work() || next < prompts.size()) {
    admit();
    SchedulerOutput out = sched.schedule();
    REQUIRE_FALSE(out.empty());
    run.prefix_hit_tokens += out.num_prefix_hit_tokens;
    ForwardBatch batch = build_forward_batch(out, backend.block_size());
    std::span<float> logits = backend.forward(batch);
    sched.on_step_computed(out);
    for (size_t i = 0; i < batch.sample_rows.size(); ++i) {
      Request* r = out.scheduled[static_cast<size_t>(batch.sample_seqs[i])].request;
      std::span<float> row = logits.subspan(i * vocab, vocab);
      run.observations.push_back({r->id, r->num_tokens() - 1, {row.begin(), row.end()}});
      r->token_ids.push_back(static_cast<TokenId>(std::max_element(row.begin(), row.end()) - row.begin()));
      if (r->num_output_tokens() >= r->max_tokens) sched.finish(r, FinishReason::kLength);
    }
  }
  for (auto& r : reqs) run.sequences.push_back(r->token_ids);
  return run;
}

std::vector<std::vector<TokenId>> test_prompts(int vocab) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<TokenId> tok(3, vocab - 1);
  std::vector<std::vector<TokenId>> prompts;
  for (int len : {5, 23, 41, 1}) {
    std::vector<TokenId> p(static_cast<size_t>(len));
    for (auto& t : p) t = tok(rng);
    prompts.push_back(p);
  }
  // Shares the second prompt's first 20 tokens: a prefix-cache hit once it has run.
  std::vector<TokenId> shared(prompts[1].begin(), prompts[1].begin() + 20);
  shared.push_back(tok(rng));
  shared.push_back(tok(rng));
  prompts.push_back(shared);
  return prompts;
}

void check_against_torch(TinyArch arch, DType dtype, double tolerance) {
  TempDir dir;
  vllmctl::test::write_tiny_model(dir.path(), arch, dtype, 11);
  ModelDir model = open_model_dir(dir.path());
  cpu::CpuBackend backend(model, {64, 4});
  auto prompts = test_prompts(static_cast<int>(model.config.vocab_size));
  GreedyRun run = run_greedy(backend, prompts, 6, 16);
  CHECK(run.prefix_hit_tokens >= 16);

  nlohmann::json seqs = run.sequences;
  vllmctl::test::write_file(dir / "seqs.json", seqs.dump());
  const std::string cmd = "/usr/bin/python3 " + (vllmctl::test::source_dir() / "tests/peers/torch_reference.py").string() +
                          " " + dir.path().string() + " " + (dir / "seqs.json").string() + " " +
                          (dir / "ref.bin").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string ref_bytes = vllmctl::test::read_file(dir / "ref.bin");
  const auto vocab = static_cast<size_t>(model.config.vocab_size);
  std::vector<size_t> seq_offset;  // first float of each sequence in ref.bin
  size_t total = 0;
  for (const auto& s : run.sequences) {
    seq_offset.push_back(total);
    total += s.size() * vocab;
  }
  REQUIRE(ref_bytes.size() == total * sizeof(float));
  std::vector<float> ref(total);
  std::memcpy(ref.data(), ref_bytes.data(), ref_bytes.size());

  double worst = 0.0;
  for (const Observation& o : run.observations) {
    const float* expected = ref.data() + seq_offset[o.seq] + static_cast<size_t>(o.position) * vocab;
    for (size_t v = 0; v < vocab; ++v) worst = std::max(worst, std::abs(static_cast<double>(o.logits[v] - expected[v])));
    // Greedy parity: the token we chose is the reference's argmax.
    const auto ref_best = std::max_element(expected, expected + vocab) - expected;
    const TokenId ours = run.sequences[o.seq][static_cast<size_t>(o.position) + 1];
    CHECK(ours == ref_best);
  }
  INFO(vllmctl::test::tiny_arch_name(arch), " worst |ours - torch| = ", worst);
  CHECK(worst < tolerance);
  CHECK(run.observations.size() == prompts.size() * 6);
}

}  // namespace

TEST_CASE("CPU backend logits equal PyTorch's for every architecture") {
  if (!torch_available()) return;
  for (TinyArch arch : {TinyArch::kQwen2, TinyArch::kLlama3, TinyArch::kQwen3, TinyArch::kMistralUntied}) {
    SUBCASE(vllmctl::test::tiny_arch_name(arch).c_str()) { check_against_torch(arch, DType::kF32, 1e-3); }
  }
}

TEST_CASE("BF16 weights load and match PyTorch reading the same BF16 file") {
  if (!torch_available()) return;
  check_against_torch(TinyArch::kQwen2, DType::kBF16, 1e-3);
}
