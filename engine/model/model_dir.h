// ModelDir: a Hugging Face model directory opened and validated as a whole: config.json,
// the optional generation_config.json, and safetensors weights that match the config.
#pragma once

#include "engine/model/generation_config.h"
#include "engine/model/model_config.h"
#include "engine/model/safetensors_checkpoint.h"

#include <filesystem>
#include <optional>

namespace vllmctl {

struct ModelDir {
  std::filesystem::path dir;
  ModelConfig config;
  std::optional<GenerationConfig> generation;  // absent when there is no generation_config.json
  SafetensorsCheckpoint weights;
};

// Opens `dir`: parses config.json and generation_config.json, maps the weights
// (single file or sharded) and checks every tensor against the config's layout.
// Throws ModelFileError, one line naming the file (and field or tensor) at fault.
ModelDir open_model_dir(const std::filesystem::path& dir);

}  // namespace vllmctl
