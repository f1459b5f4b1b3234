// GenerationConfig: a model's sampling defaults from `generation_config.json`, which
// the server applies to requests that leave a field unset (vLLM's "auto" behaviour).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vllmctl {

struct GenerationConfig {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::optional<double> min_p;
  std::optional<double> repetition_penalty;
  std::optional<bool> do_sample;
  std::optional<int64_t> max_new_tokens;
  std::vector<int64_t> eos_token_ids;  // every stop id: eos_token_id as an int or a list
  std::optional<int64_t> bos_token_id;
  std::optional<int64_t> pad_token_id;
};

// Every field is optional; a present field of the wrong type is an error. Throws
// ModelFileError "LABEL: field 'top_k' must be ...".
GenerationConfig parse_generation_config(const nlohmann::json& config, std::string_view label);

// nullopt when `path` does not exist (the file is optional); throws on a bad file.
std::optional<GenerationConfig> load_generation_config(const std::filesystem::path& path);

}  // namespace vllmctl
