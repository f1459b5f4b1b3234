// open_model_dir(): config, generation defaults, weights, layout check.
#include "engine/model/model_dir.h"

#include "engine/model/model_error.h"
#include "engine/model/weight_layout.h"

#include <fmt/format.h>

namespace vllmctl {

ModelDir open_model_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw ModelFileError(fmt::format("{}: not a directory", dir.string()));
  }
  ModelConfig config = load_model_config(dir / "config.json");
  auto generation = load_generation_config(dir / "generation_config.json");
  auto weights = SafetensorsCheckpoint::open_dir(dir);
  validate_weight_layout(config, weights);
  return ModelDir{dir, std::move(config), std::move(generation), std::move(weights)};
}

}  // namespace vllmctl
