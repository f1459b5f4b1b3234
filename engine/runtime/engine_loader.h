// load_engine: a model directory -> a running Engine, with its tokenizer, the sampling
// defaults of generation_config.json, the backend the device choice picked and why.
// Used by `serve` and `bench throughput`.
#pragma once

#include "engine/model/generation_config.h"
#include "engine/model/model_config.h"
#include "engine/runtime/engine.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace vllmctl {

struct EngineLoadOptions {
  std::filesystem::path model_dir;
  std::optional<std::filesystem::path> tokenizer_dir;  // default: model_dir
  std::string device = "auto";                         // auto | cpu | cuda
  int max_model_len = 0;                               // 0: the model's max_position_embeddings
  int max_num_seqs = 256;
  int max_num_batched_tokens = 0;                      // 0: max(2048, max_model_len) without chunking needs
  int block_size = 16;
  uint64_t kv_cache_memory_bytes = 0;                  // CPU KV budget; 0: 2 GiB (or what fits the limits)
  double gpu_memory_utilization = 0.9;                 // CUDA: share of device memory for weights + activations + KV
  bool enforce_eager = false;                          // CUDA: no CUDA graphs
  bool enable_prefix_caching = true;
  uint64_t seed = 0;
  std::function<void(const std::string&)> log_stats;   // null: no periodic stats line
  std::function<void(const std::string&)> log;         // start-up lines of the backend; null: silent
};

struct LoadedEngine {
  std::unique_ptr<Engine> engine;
  std::shared_ptr<const Tokenizer> tokenizer;
  ModelConfig config;
  std::optional<GenerationConfig> generation;  // sampling defaults for unset fields
  int max_model_len = 0;
  std::string device;                          // "cpu" or "cuda"
  std::string device_reason;                   // why this device, in a sentence
  uint64_t kv_cache_bytes = 0;                 // the CPU backend's KV cache (0 on CUDA)
};

// Throws std::runtime_error (one line, naming the file or option and the fix) on a bad
// model directory, tokenizer, option value or an unavailable device.
LoadedEngine load_engine(const EngineLoadOptions& options);

}  // namespace vllmctl
