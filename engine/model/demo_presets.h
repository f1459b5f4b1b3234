// The model shapes `vllmctl model demo` can write: a tiny Qwen2-style `demo` model and
// the real shapes of Qwen2.5-0.5B, Qwen3-0.6B and Llama-3.2-1B (their config.json and
// generation_config.json values, as published).
#pragma once

#include "engine/model/dtype.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace vllmctl {

enum class DemoPreset { kDemo, kQwen25_0_5B, kQwen3_0_6B, kLlama32_1B };

std::optional<DemoPreset> parse_demo_preset(std::string_view name);  // "qwen2.5-0.5b" -> ...
std::string_view demo_preset_name(DemoPreset preset);
std::string demo_preset_names();  // "demo, qwen2.5-0.5b, qwen3-0.6b, llama-3.2-1b"

// config.json for `preset`, with torch_dtype set from `dtype` (bfloat16 gives the
// published file's values exactly).
nlohmann::ordered_json demo_preset_config(DemoPreset preset, DType dtype);
nlohmann::ordered_json demo_preset_generation_config(DemoPreset preset);

// Whether the checkpoint stores lm_head.weight although the embeddings are tied
// (Qwen3-0.6B's file does; the others do not).
bool demo_preset_stores_lm_head(DemoPreset preset);
// Real-shape presets take their tokenizer files from --tokenizer; `demo` writes its own.
bool demo_preset_needs_tokenizer(DemoPreset preset);

}  // namespace vllmctl
