// `vllmctl bench throughput`: nano-vllm's and vLLM's offline benchmark. Random prompt
// ids, lengths uniform in the given ranges, ignore_eos, every request submitted at once;
// prints requests/s and tokens/s.
#include "cli/bench/length_range.h"
#include "cli/commands.h"
#include "cli/common/builtin_model.h"
#include "engine/runtime/engine_loader.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <random>

namespace vllmctl {

namespace {

struct ThroughputArgs {
  std::string model;
  int num_prompts = 256;
  std::string input_len = "100:1024";
  std::string output_len = "100:1024";
  uint64_t seed = 0;
  std::string device = "auto";
  int max_num_seqs = 256;
  int max_num_batched_tokens = 0;
  int max_model_len = 4096;
  double kv_cache_gib = 0;
  double gpu_memory_utilization = 0.9;
  bool enforce_eager = false;
  float temperature = 0.6f;
  bool json = false;
};

int run_throughput(const ThroughputArgs& a) {
  const LengthRange in = parse_length_range(a.input_len, "--input-len");
  const LengthRange out = parse_length_range(a.output_len, "--output-len");
  if (a.num_prompts < 1) throw std::runtime_error("--num-prompts must be at least 1");
  if (in.max + out.max > a.max_model_len) {
    throw std::runtime_error(fmt::format("--input-len max {} + --output-len max {} exceeds --max-model-len {}; raise it",
                                         in.max, out.max, a.max_model_len));
  }
  EngineLoadOptions lo;
  lo.model_dir = resolve_model_argument(a.model);
  lo.device = a.device;
  lo.max_num_seqs = a.max_num_seqs;
  lo.max_num_batched_tokens = a.max_num_batched_tokens;
  lo.max_model_len = a.max_model_len;
  lo.kv_cache_memory_bytes = static_cast<uint64_t>(a.kv_cache_gib * (1ull << 30));
  lo.gpu_memory_utilization = a.gpu_memory_utilization;
  lo.enforce_eager = a.enforce_eager;
  lo.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  lo.seed = a.seed;
  LoadedEngine loaded = load_engine(lo);
  if (!a.json) {
    fmt::print(stderr, "model {} on {} ({}); KV cache {} blocks of {} tokens\n", lo.model_dir.string(),
               loaded.engine->backend().describe(), loaded.device_reason, loaded.engine->num_kv_blocks(),
               lo.block_size);
  }

  // The workload: nano-vllm's bench.py shape, ids below the real vocabulary.
  std::mt19937_64 rng(a.seed);
  const int id_limit = std::min(loaded.tokenizer->size(), 10000);
  std::uniform_int_distribution<int> in_len(in.min, in.max), out_len(out.min, out.max), tok(0, id_limit - 1);
  std::vector<EngineRequest> requests;
  uint64_t prompt_tokens = 0;
  for (int i = 0; i < a.num_prompts; ++i) {
    EngineRequest r;
    r.prompt_token_ids.resize(static_cast<size_t>(in_len(rng)));
    for (auto& t : r.prompt_token_ids) t = tok(rng);
    r.params.temperature = a.temperature;
    r.params.ignore_eos = true;
    r.params.max_tokens = out_len(rng);
    prompt_tokens += r.prompt_token_ids.size();
    requests.push_back(std::move(r));
  }

  const auto start = Clock::now();
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (auto& r : requests) {
    r.arrival_time = Clock::now();
    streams.push_back(loaded.engine->submit(std::move(r)));
  }
  uint64_t output_tokens = 0;
  for (auto& s : streams) {
    while (!s->done()) {
      if (auto o = s->next(std::chrono::seconds(60))) {
        output_tokens += o->token_ids.size();
        if (!o->error.empty()) throw std::runtime_error("a request failed: " + o->error);
      } else if (!loaded.engine->alive()) {
        throw std::runtime_error("the engine stopped during the benchmark");
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const EngineStats stats = loaded.engine->stats();
  if (a.json) {
    nlohmann::json j = {{"num_prompts", a.num_prompts}, {"prompt_tokens", prompt_tokens},
                        {"output_tokens", output_tokens}, {"elapsed_s", elapsed},
                        {"requests_per_s", a.num_prompts / elapsed},
                        {"output_tokens_per_s", static_cast<double>(output_tokens) / elapsed},
                        {"total_tokens_per_s", static_cast<double>(prompt_tokens + output_tokens) / elapsed},
                        {"num_preemptions", stats.num_preemptions_total}, {"device", loaded.device},
                        {"backend", loaded.engine->backend().describe()}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("Requests: {}  prompt tokens: {}  output tokens: {}  time: {:.2f} s  preemptions: {}\n",
               a.num_prompts, prompt_tokens, output_tokens, elapsed, stats.num_preemptions_total);
    fmt::print("Throughput: {:.2f} requests/s, {:.1f} output tokens/s, {:.1f} total tokens/s\n",
               a.num_prompts / elapsed, static_cast<double>(output_tokens) / elapsed,
               static_cast<double>(prompt_tokens + output_tokens) / elapsed);
  }
  return 0;
}

}  // namespace

void add_bench_throughput_command(CLI::App& bench, CliContext& ctx) {
  auto args = std::make_shared<ThroughputArgs>();
  auto* cmd = bench.add_subcommand("throughput", "Offline throughput: random prompts, all submitted at once");
  cmd->add_option("--model", args->model, "Model directory or ORG/NAME (default: the built-in demo model)");
  cmd->add_option("--num-prompts", args->num_prompts, "Number of requests")->capture_default_str();
  cmd->add_option("--input-len", args->input_len, "Prompt length N or MIN:MAX")->capture_default_str();
  cmd->add_option("--output-len", args->output_len, "Output length N or MIN:MAX")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the workload")->capture_default_str();
  cmd->add_option("--device", args->device, "auto | cpu | cuda")->capture_default_str();
  cmd->add_option("--max-num-seqs", args->max_num_seqs, "Requests in one step at most")->capture_default_str();
  cmd->add_option("--max-num-batched-tokens", args->max_num_batched_tokens, "Tokens in one step at most (0: 2048)");
  cmd->add_option("--max-model-len", args->max_model_len, "Prompt + output length at most")->capture_default_str();
  cmd->add_option("--kv-cache-gib", args->kv_cache_gib, "CPU KV cache budget in GiB (0: 2 GiB)");
  cmd->add_option("--gpu-memory-utilization", args->gpu_memory_utilization,
                  "Fraction of GPU memory for weights, activations and KV cache (CUDA)")
      ->capture_default_str();
  cmd->add_flag("--enforce-eager", args->enforce_eager, "No CUDA graphs (CUDA backend)");
  cmd->add_option("--temperature", args->temperature, "Sampling temperature")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON");
  ctx.on_run(cmd, [args] { return run_throughput(*args); });
}

}  // namespace vllmctl
