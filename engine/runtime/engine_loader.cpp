// load_engine: model files, tokenizer, device choice and KV cache sizing.
#include "engine/runtime/engine_loader.h"

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cuda_backend_factory.h"
#include "engine/backend/device_probe.h"
#include "engine/model/model_dir.h"
#include "engine/runtime/cuda_self_check.h"
#include "engine/runtime/device_choice.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace vllmctl {

namespace {

constexpr uint64_t kDefaultCpuKvBytes = 2ull << 30;

// The device to run on and why (logged by the caller). For CUDA the self-check runs
// first: auto falls back to the CPU when it fails; an explicit --device cuda is obeyed,
// with the failure in the reason.
DeviceChoice pick_device(const EngineLoadOptions& o, const ModelConfig& config) {
  DeviceFacts facts;
  if (o.device != "cpu") {
    facts.probe = probe_cuda();
    facts.cuda_backend_built = cuda_backend_built();
    facts.model_unsupported = cuda_model_unsupported(config);
  }
  DeviceChoice choice = choose_device(o.device, facts);
  if (choice.device != "cuda") return choice;
  const CudaSelfCheck check = run_cuda_self_check({choice.cuda_device, o.enforce_eager});
  if (check.passed) {
    choice.reason += fmt::format("; self-check passed in {:.2f} s ({})", check.seconds, check.detail);
  } else if (o.device == "auto") {
    choice = {"cpu", check.ran ? fmt::format("the CUDA backend failed its start-up self-check against the CPU backend "
                                             "on this GPU ({}), so auto uses the CPU; please report this with "
                                             "`vllmctl version --json`",
                                             check.detail)
                               : fmt::format("the CUDA self-check could not run ({}), so auto uses the CPU",
                                             check.detail)};
  } else {
    choice.reason += fmt::format("; WARNING: the start-up self-check {} ({}): outputs may be wrong",
                                 check.ran ? "FAILED" : "could not run", check.detail);
  }
  return choice;
}

std::vector<TokenId> eos_ids(const ModelConfig& config, const std::optional<GenerationConfig>& gen) {
  std::vector<TokenId> ids;
  auto add = [&](int64_t id) {
    if (std::find(ids.begin(), ids.end(), static_cast<TokenId>(id)) == ids.end()) ids.push_back(static_cast<TokenId>(id));
  };
  for (int64_t id : config.eos_token_ids) add(id);
  if (gen) {
    for (int64_t id : gen->eos_token_ids) add(id);
  }
  return ids;
}

}  // namespace

LoadedEngine load_engine(const EngineLoadOptions& o) {
  LoadedEngine out;
  check_device_name(o.device);  // before any file is read
  if (!(o.gpu_memory_utilization > 0 && o.gpu_memory_utilization <= 1)) {
    throw std::runtime_error(fmt::format("--gpu-memory-utilization {} must be in (0, 1], e.g. 0.9",
                                         o.gpu_memory_utilization));
  }
  ModelDir model = open_model_dir(o.model_dir);
  out.config = model.config;
  out.generation = model.generation;

  const auto tokenizer_json = o.tokenizer_dir.value_or(o.model_dir) / "tokenizer.json";
  if (!std::filesystem::is_regular_file(tokenizer_json)) {
    throw std::runtime_error(fmt::format("{}: not found; the model needs a tokenizer.json (or pass --tokenizer DIR)",
                                         tokenizer_json.string()));
  }
  out.tokenizer = std::make_shared<Tokenizer>(Tokenizer::from_file(tokenizer_json));

  const int model_max = static_cast<int>(std::min<int64_t>(model.config.max_position_embeddings, 1 << 30));
  if (o.max_model_len < 0) throw std::runtime_error("--max-model-len must be positive");
  if (o.max_model_len > model_max) {
    throw std::runtime_error(fmt::format("--max-model-len {} is more than the model's max_position_embeddings ({})",
                                         o.max_model_len, model_max));
  }
  out.max_model_len = o.max_model_len > 0 ? o.max_model_len : model_max;
  if (o.block_size < 1 || o.block_size > 256) {
    throw std::runtime_error(fmt::format("--block-size {} must be between 1 and 256", o.block_size));
  }
  if (o.max_num_seqs < 1) throw std::runtime_error("--max-num-seqs must be at least 1");

  const uint64_t block_bytes = cpu::CpuBackend::kv_block_bytes(model.config, o.block_size);
  uint64_t budget = o.kv_cache_memory_bytes ? o.kv_cache_memory_bytes : kDefaultCpuKvBytes;
  // Never more than every sequence at full length could use (the demo model needs little).
  const uint64_t most_useful = static_cast<uint64_t>(o.max_num_seqs) *
                               static_cast<uint64_t>((out.max_model_len + o.block_size - 1) / o.block_size) *
                               block_bytes;
  if (!o.kv_cache_memory_bytes) budget = std::min(budget, most_useful);
  const auto num_blocks = static_cast<int>(std::min<uint64_t>(budget / block_bytes, 1u << 30));
  if (num_blocks < 1) {
    throw std::runtime_error(fmt::format("the KV cache budget ({} bytes) holds no block of {} bytes; raise it",
                                         budget, block_bytes));
  }

  EngineOptions eo;
  eo.scheduler.max_num_seqs = o.max_num_seqs;
  eo.scheduler.max_model_len = out.max_model_len;
  eo.scheduler.max_num_batched_tokens = o.max_num_batched_tokens > 0 ? o.max_num_batched_tokens : 2048;
  eo.scheduler.enable_chunked_prefill = true;
  eo.enable_prefix_caching = o.enable_prefix_caching;
  eo.seed = o.seed;
  eo.eos_token_ids = eos_ids(model.config, model.generation);
  eo.log_stats = o.log_stats;

  const DeviceChoice choice = pick_device(o, model.config);
  out.device = choice.device;
  out.device_reason = choice.reason;
  std::unique_ptr<Backend> backend;
  if (choice.device == "cuda") {
    // The KV cache takes --gpu-memory-utilization of device memory less weights and
    // activations (CudaBackend).
    CudaBackendOptions co;
    co.device = choice.cuda_device;
    co.enforce_eager = o.enforce_eager;
    co.log = o.log;
    co.gpu_memory_utilization = o.gpu_memory_utilization;
    co.block_size = o.block_size;
    co.max_num_batched_tokens = eo.scheduler.max_num_batched_tokens;
    co.max_num_seqs = o.max_num_seqs;
    co.max_model_len = out.max_model_len;
    try {
      backend = make_cuda_backend(model, co);
    } catch (const std::exception& e) {
      // Auto never refuses to start where the CPU can serve; an explicit --device cuda does.
      if (o.device != "auto") throw std::runtime_error(fmt::format("{}; or serve on the CPU with --device cpu", e.what()));
      out.device = "cpu";
      out.device_reason = fmt::format("the CUDA backend could not load this model ({}), so auto uses the CPU", e.what());
    }
  }
  if (!backend) {
    backend = std::make_unique<cpu::CpuBackend>(model, cpu::CpuBackendOptions{num_blocks, o.block_size});
    out.kv_cache_bytes = static_cast<uint64_t>(num_blocks) * block_bytes;
  }
  out.engine = std::make_unique<Engine>(std::move(backend), out.tokenizer, std::move(eo));
  return out;
}

}  // namespace vllmctl
