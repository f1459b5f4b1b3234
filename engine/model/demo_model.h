// write_demo_model(): a complete Hugging Face model directory with deterministic random
// weights (config.json, generation_config.json, model.safetensors, tokenizer files), for
// trying the server and tests without downloading anything.
#pragma once

#include "engine/model/demo_presets.h"
#include "engine/model/model_config.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vllmctl {

struct DemoModelOptions {
  std::filesystem::path out_dir;
  DemoPreset preset = DemoPreset::kDemo;
  // Real-shape presets copy tokenizer.json, tokenizer_config.json, vocab.json,
  // merges.txt (and special_tokens_map.json) from here; `demo` writes its own.
  std::optional<std::filesystem::path> tokenizer_dir;
  uint64_t seed = 0;
  DType dtype = DType::kBF16;
  // Replace the model files in a non-empty out_dir. Without it a non-empty out_dir is
  // an error and nothing on disk changes.
  bool force = false;
};

struct DemoModelResult {
  ModelConfig config;
  uint64_t num_tensors = 0;
  uint64_t num_parameters = 0;
  uint64_t safetensors_bytes = 0;
  std::vector<std::string> files;     // the file names written, in write order
  std::vector<std::string> warnings;  // e.g. a tokenizer larger than the vocabulary
};

// Throws ModelFileError (one line) on bad options: a real-shape preset without a
// tokenizer, a tokenizer folder without tokenizer.json, a non-empty out_dir without
// force, a dtype other than F32/F16/BF16, or an I/O failure.
DemoModelResult write_demo_model(const DemoModelOptions& options);

// The files a model directory written here may hold; --force removes exactly these.
const std::vector<std::string>& demo_model_file_names();

}  // namespace vllmctl
