// What `vllmctl model inspect` reports about an opened model directory: architecture,
// shapes, dtypes, tensor and parameter counts, files, sampling defaults; as text or JSON.
#pragma once

#include "engine/model/model_dir.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace vllmctl {

// Elements over the stored tensors, not counting a tied lm_head.weight stored as a copy
// of the embedding (Qwen3-0.6B: 596,049,920).
uint64_t unique_parameter_count(const ModelDir& model);

nlohmann::ordered_json model_summary_json(const ModelDir& model);
// Aligned "key  value" lines; with `list_tensors`, one line per tensor after them.
std::string model_summary_text(const ModelDir& model, bool list_tensors);

std::string with_commas(uint64_t n);     // 494032768 -> "494,032,768"
std::string human_bytes(uint64_t bytes);  // 988065536 -> "942.3 MiB"

}  // namespace vllmctl
