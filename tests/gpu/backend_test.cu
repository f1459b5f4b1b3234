// CudaBackend against CpuBackend (the reference) on small random bf16 models, one per
// architecture family, through compare_backends (the start-up self-check's script: prefill,
// chunked prefill with a cached prefix, a mixed prefill + decode step, all-decode steps
// replayed as CUDA graphs padded to their bucket, split-K, device sampling), with graphs
// and with enforce_eager; then CUDA graphs against enforce_eager on more decode steps,
// which must give the same logits bit for bit; then forward_sampled with every sampling
// parameter against the sampling kernel's CPU twin.
// Host code only (C++20, the engine's headers): built by CMake as the target
// gpu_backend_test (tests/gpu/build.sh does that), not by nvcc like the kernel tests.
#include "tests/gpu/gpu_check.h"

#include "engine/backend/backend_parity.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cuda/cuda_backend.h"
#include "engine/backend/cuda_backend_factory.h"
#include "engine/backend/sampling_pack.h"
#include "engine/model/model_config.h"
#include "engine/model/model_dir.h"
#include "engine/model/random_model.h"
#include "kernels/sampling.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace vllmctl;

namespace {

constexpr int kBlockSize = 16;
constexpr int kBlocksPerSeq = 32;  // 512 tokens per sequence
constexpr int kNumSeqs = 3;

// head_dim 64 (the attention kernels take 64 or 128): hidden 256 / 4 heads; Qwen3 128.
nlohmann::json model_config(const std::string& arch) {
  nlohmann::json c = {
      {"hidden_size", 256}, {"intermediate_size", 512}, {"num_hidden_layers", 2},
      {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"vocab_size", 512},
      {"max_position_embeddings", 4096}, {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0},
      {"tie_word_embeddings", true}, {"torch_dtype", "bfloat16"}, {"hidden_act", "silu"},
      {"bos_token_id", 1}, {"eos_token_id", 2}};
  if (arch == "qwen2") {
    c["architectures"] = {"Qwen2ForCausalLM"};
    c["model_type"] = "qwen2";
  } else if (arch == "llama3") {
    c["architectures"] = {"LlamaForCausalLM"};
    c["model_type"] = "llama";
    c["rope_theta"] = 500000.0;
    c["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
  } else if (arch == "qwen3") {
    c["architectures"] = {"Qwen3ForCausalLM"};
    c["model_type"] = "qwen3";
    c["head_dim"] = 128;
    c["attention_bias"] = false;
  } else {
    c["architectures"] = {"MistralForCausalLM"};
    c["model_type"] = "mistral";
    c["tie_word_embeddings"] = false;
    c["num_key_value_heads"] = 1;
  }
  return c;
}

void write_model(const fs::path& dir, const std::string& arch, uint64_t seed) {
  write_random_model(dir, model_config(arch), DType::kBF16, seed);
}

using Seq = ScriptSeq;

ForwardBatch make_batch(std::vector<Seq>& seqs, const std::vector<std::pair<int, int>>& plan) {
  return scripted_batch(seqs, plan, kBlockSize, kBlocksPerSeq);
}

// Steps of up to 512 tokens and max_num_seqs sequences, kBlocksPerSeq blocks for each of
// `num_seqs` scripted sequences.
CudaBackendOptions backend_options(int max_num_seqs, int num_seqs) {
  CudaBackendOptions o;
  o.block_size = kBlockSize;
  o.max_num_batched_tokens = 512;
  o.max_num_seqs = max_num_seqs;
  o.max_model_len = kBlocksPerSeq * kBlockSize;
  o.num_kv_blocks = num_seqs * kBlocksPerSeq;
  return o;
}

int argmax(const float* x, int n) { return static_cast<int>(std::max_element(x, x + n) - x); }

int num_decode_graphs(const Backend& b);

// The CPU comparison of the start-up self-check (engine/backend/backend_parity), with the
// stricter greedy agreement of a test, for graphs and for enforce_eager: chunked prefill
// over a cached prefix, a mixed step, split-K decode, decode batches of 3, 2 and 1
// (replayed graphs, padded), and device sampling through forward_sampled.
void run_arch(const std::string& arch) {
  const fs::path dir = fs::temp_directory_path() / ("vllmctl_backend_test_" + arch);
  write_model(dir, arch, 7);
  const ModelDir model = open_model_dir(dir);
  for (const bool eager : {false, true}) {
    cpu::CpuBackend cpu_backend(model, cpu::CpuBackendOptions{kNumSeqs * kBlocksPerSeq, kBlockSize});
    CudaBackendOptions o = backend_options(8, kNumSeqs);
    o.enforce_eager = eager;
    auto gpu_backend = make_cuda_backend(model, o);
    std::printf("%s (%s): %s\n", arch.c_str(), eager ? "eager" : "graphs", gpu_backend->describe().c_str());
    CHECK_MSG(eager || num_decode_graphs(*gpu_backend) > 0, "%s: no decode graph captured", arch.c_str());
    const ParityReport r = compare_backends(cpu_backend, *gpu_backend, ParityOptions{kBlocksPerSeq, 3});
    std::printf("%s (%s): %s\n", arch.c_str(), eager ? "eager" : "graphs", r.summary().c_str());
    // bf16 activations and weights against an F32 reference, 2 layers: a few percent.
    CHECK_MSG(r.within(0.05f, 0.9), "%s (%s): %s", arch.c_str(), eager ? "eager" : "graphs", r.summary().c_str());
    CHECK_MSG(r.device_sampled > 0, "%s: forward_sampled was not exercised", arch.c_str());
  }
  fs::remove_all(dir);
}

int num_decode_graphs(const Backend& b) {
  const auto* cuda_backend = dynamic_cast<const cuda::CudaBackend*>(&b);
  return cuda_backend ? cuda_backend->num_decode_graphs() : -1;
}

// The same steps through a backend with CUDA graphs and one with enforce_eager: prefills
// (eager in both), then all-decode steps of 1 and 8 sequences (a bucket exactly) and of 3,
// 5 and 9 (padded to 4, 8, 16), over contexts below and past one 256-token partition (the
// graphs' decode grid always has max_model_len's 2), one step sampling only some rows.
// A graph replays the eager path's kernels and GEMM algorithms and its padding rows touch
// no real row, so the logits must be identical.
void run_graph_parity(const std::string& arch) {
  const fs::path dir = fs::temp_directory_path() / ("vllmctl_graph_test_" + arch);
  write_model(dir, arch, 11);
  const ModelDir model = open_model_dir(dir);
  constexpr int kSeqs = 9;
  CudaBackendOptions o = backend_options(16, kSeqs);  // buckets 1, 2, 4, 8, 16
  o.log = [](const std::string& line) { std::printf("%s\n", line.c_str()); };  // capture time, or why it failed
  o.enforce_eager = true;
  auto eager = make_cuda_backend(model, o);
  o.enforce_eager = false;
  auto graphs = make_cuda_backend(model, o);
  CHECK(num_decode_graphs(*eager) == 0);
  // A failed capture falls back to eager, and this test would compare eager with eager.
  CHECK_MSG(num_decode_graphs(*graphs) == 5, "%s: %d decode graphs captured, want 5", arch.c_str(),
            num_decode_graphs(*graphs));

  std::mt19937 rng(5);
  const int vocab = eager->vocab_size();
  std::vector<Seq> seqs;
  for (int s = 0; s < kSeqs; ++s) {
    std::vector<int32_t> t(static_cast<size_t>(s == 4 ? 300 : 3 + 17 * s));
    for (auto& x : t) x = static_cast<int32_t>(rng() % static_cast<unsigned>(vocab));
    seqs.push_back({t, 0});
  }
  using Plan = std::vector<std::pair<int, int>>;
  auto decode = [](std::initializer_list<int> ids) {
    Plan p;
    for (int s : ids) p.push_back({s, 1});
    return p;
  };
  auto prefill = [&](std::initializer_list<int> ids) {
    Plan p;
    for (int s : ids) p.push_back({s, static_cast<int>(seqs[static_cast<size_t>(s)].tokens.size())});
    return p;
  };
  std::vector<std::pair<Plan, bool>> steps = {{prefill({0, 1, 2, 3, 4}), false}, {prefill({5, 6, 7, 8}), false}};
  for (int round = 0; round < 2; ++round) {
    steps.push_back({decode({0}), false});
    steps.push_back({decode({4}), false});
    steps.push_back({decode({0, 1, 2}), false});     // every context in one partition
    steps.push_back({decode({1, 4, 7}), false});     // one past it
    steps.push_back({decode({0, 1, 2, 3, 4, 5, 6, 7}), false});
    steps.push_back({decode({0, 1, 2, 3, 4, 5, 6, 7, 8}), false});
    steps.push_back({decode({2, 3, 5}), true});      // the middle row does not sample
    steps.push_back({decode({1, 2, 3, 5, 6}), false});
  }

  int compared = 0;
  for (size_t st = 0; st < steps.size(); ++st) {
    const auto& [plan, skip_middle] = steps[st];
    ForwardBatch b = make_batch(seqs, plan);
    if (skip_middle) {
      b.sample_rows.erase(b.sample_rows.begin() + 1);
      b.sample_seqs.erase(b.sample_seqs.begin() + 1);
    }
    const std::span<float> e = eager->forward(b);
    const std::vector<float> want(e.begin(), e.end());
    const std::span<float> got = graphs->forward(b);
    CHECK(got.size() == want.size());
    if (got.size() != want.size()) return;
    size_t differ = 0;
    float max_diff = 0.0f;
    for (size_t i = 0; i < want.size(); ++i) {
      uint32_t wb, gb;
      std::memcpy(&wb, &want[i], 4);
      std::memcpy(&gb, &got[i], 4);
      if (wb != gb) {
        ++differ;
        max_diff = std::max(max_diff, std::fabs(want[i] - got[i]));
      }
    }
    CHECK_MSG(differ == 0, "%s step %zu (%zu sequences): %zu of %zu logits differ between graph and eager, max %g",
              arch.c_str(), st, plan.size(), differ, want.size(), max_diff);
    compared += static_cast<int>(b.sample_rows.size());
    // Every sequence of the step continues with its greedy token (7 for a row that did not sample).
    for (size_t i = 0; i < plan.size(); ++i) {
      Seq& q = seqs[static_cast<size_t>(plan[i].first)];
      if (q.computed != static_cast<int>(q.tokens.size())) continue;
      int32_t next = 7;
      for (size_t r = 0; r < b.sample_seqs.size(); ++r) {
        if (b.sample_seqs[r] == static_cast<int32_t>(i)) next = argmax(want.data() + r * static_cast<size_t>(vocab), vocab);
      }
      q.tokens.push_back(next);
    }
  }
  std::printf("%s: graphs vs enforce_eager: %d sampled rows over %zu steps compared bit for bit\n", arch.c_str(),
              compared, steps.size());
  fs::remove_all(dir);
}

// forward_sampled with every kind of parameter (logit bias, min_tokens mask, penalties,
// temperature, min-p, top-k, top-p, drawn uniforms) against the sampling kernel's CPU twin
// on the same step's logits from forward(): checks DeviceSampler's packing and upload,
// which compare_backends' argmax-determined rows cannot. Draws within ~1e-6 of a boundary
// may differ (kernels/sampling.h), so one mismatch is tolerated.
void run_sampling(const std::string& arch) {
  const fs::path dir = fs::temp_directory_path() / ("vllmctl_sampling_test_" + arch);
  write_model(dir, arch, 13);
  const ModelDir model = open_model_dir(dir);
  constexpr int kSeqs = 8;
  auto gpu = make_cuda_backend(model, backend_options(kSeqs, kSeqs));
  const int vocab = gpu->vocab_size();
  std::mt19937 rng(17);
  std::vector<Seq> seqs;
  std::vector<std::pair<int, int>> plan;
  for (int s = 0; s < kSeqs; ++s) {
    std::vector<int32_t> t(static_cast<size_t>(20 + 9 * s));
    for (auto& x : t) x = static_cast<int32_t>(rng() % static_cast<unsigned>(vocab));
    seqs.push_back({t, 0});
    plan.push_back({s, static_cast<int>(t.size())});
  }
  std::vector<Seq> again = seqs;
  const ForwardBatch batch = make_batch(seqs, plan);
  const ForwardBatch same = make_batch(again, plan);
  const std::span<float> f = gpu->forward(batch);
  std::vector<float> logits(f.begin(), f.end());

  std::vector<SamplingParams> params(kSeqs);
  DeviceSampling sampling;
  const std::vector<TokenId> eos = {2};
  sampling.eos_token_ids = eos;
  sampling.host_rows = {3};
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int r = 0; r < kSeqs; ++r) {
    if (r == 3) continue;
    SamplingParams& p = params[static_cast<size_t>(r)];
    p.temperature = 0.5f + 0.25f * static_cast<float>(r % 4);
    if (r % 2 == 0) p.top_k = 5 + r;
    if (r % 3 == 0) p.top_p = 0.8f;
    if (r == 5) p.min_p = 0.1f;
    if (r == 1) p.logit_bias = {{7, 3.0f}, {9, -100.0f}};
    if (r == 2) { p.repetition_penalty = 1.3f; p.frequency_penalty = 0.4f; p.presence_penalty = 0.2f; }
    if (r == 4) { p.min_tokens = 4; p.stop_token_ids = {11}; }
    if (r == 6) p.temperature = 0.0f;
    const Seq& q = seqs[static_cast<size_t>(r)];
    const std::span<const int32_t> all(q.tokens);
    sampling.rows.push_back({r, &p, {all.first(all.size() - 3), all.last(3)}, uniform(rng)});
  }
  // The twin on forward()'s logits, with exactly the rows the backend gets.
  const PackedSamplingRows packed = pack_sampling_rows(all_step_rows(sampling, kSeqs), eos);
  std::vector<int32_t> want(kSeqs);
  std::vector<float> scratch(logits.size());
  kernels::cpu::sample(want.data(), logits.data(), scratch.data(), packed.host_view(), kSeqs, vocab);

  const SampledStep got = gpu->forward_sampled(same, sampling);
  CHECK(got.tokens.size() == sampling.rows.size());
  int mismatches = 0;
  for (size_t i = 0; i < sampling.rows.size() && i < got.tokens.size(); ++i) {
    mismatches += got.tokens[i] != want[static_cast<size_t>(sampling.rows[i].row)];
  }
  CHECK_MSG(mismatches <= 1, "%s: forward_sampled differs from the twin on %d of %zu rows", arch.c_str(), mismatches,
            sampling.rows.size());
  CHECK(got.host_logits.size() == static_cast<size_t>(vocab) &&
        std::equal(got.host_logits.begin(), got.host_logits.end(), logits.begin() + 3 * vocab));
  std::printf("%s: forward_sampled vs the sampling twin: %zu rows, %d differ\n", arch.c_str(), sampling.rows.size(),
              mismatches);
  fs::remove_all(dir);
}

}  // namespace

int main() {
  GPU_CHECK_REQUIRE_DEVICE();
  for (const char* arch : {"qwen2", "llama3", "qwen3", "mistral"}) {
    try {
      run_arch(arch);
      run_graph_parity(arch);
      run_sampling(arch);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: exception: %s\n", arch, e.what());
      CHECK(false);
    }
  }
  return gpu_check::finish();
}
