// The preset table: config.json and generation_config.json text for each preset.
#include "engine/model/demo_presets.h"

#include <fmt/format.h>

namespace vllmctl {

namespace {

struct PresetInfo {
  DemoPreset preset;
  std::string_view name;
  const char* config;
  const char* generation_config;
};

// Keys in the order save_pretrained writes them (sorted), values as published.
constexpr PresetInfo kPresets[] = {
    {DemoPreset::kDemo, "demo",
     R"({"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 256,
        "eos_token_id": 258, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
        "intermediate_size": 128, "max_position_embeddings": 4096, "max_window_layers": 2,
        "model_type": "qwen2", "num_attention_heads": 4, "num_hidden_layers": 2,
        "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
        "sliding_window": 4096, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
        "transformers_version": "4.43.1", "use_cache": true, "use_sliding_window": false,
        "vocab_size": 264})",
     R"({"bos_token_id": 256, "pad_token_id": 256, "do_sample": true, "eos_token_id": [258, 256],
        "repetition_penalty": 1.05, "temperature": 0.7, "top_p": 0.8, "top_k": 20,
        "transformers_version": "4.43.1"})"},
    {DemoPreset::kQwen25_0_5B, "qwen2.5-0.5b",
     R"({"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
        "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
        "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
        "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24,
        "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
        "transformers_version": "4.43.1", "use_cache": true, "use_sliding_window": false,
        "vocab_size": 151936})",
     R"({"bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true,
        "eos_token_id": [151645, 151643], "repetition_penalty": 1.1, "temperature": 0.7,
        "top_p": 0.8, "top_k": 20, "transformers_version": "4.37.0"})"},
    {DemoPreset::kQwen3_0_6B, "qwen3-0.6b",
     R"({"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
        "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
        "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
        "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
        "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8,
        "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
        "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.51.0",
        "use_cache": true, "use_sliding_window": false, "vocab_size": 151936})",
     R"({"bos_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643],
        "pad_token_id": 151643, "temperature": 0.6, "top_k": 20, "top_p": 0.95,
        "transformers_version": "4.51.0"})"},
    {DemoPreset::kLlama32_1B, "llama-3.2-1b",
     R"({"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
        "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64,
        "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
        "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
        "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
        "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
        "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
        "transformers_version": "4.45.0.dev0", "use_cache": true, "vocab_size": 128256})",
     R"({"bos_token_id": 128000, "do_sample": true, "eos_token_id": [128001, 128008, 128009],
        "temperature": 0.6, "top_p": 0.9, "transformers_version": "4.45.0.dev0"})"},
};

const PresetInfo& info(DemoPreset preset) {
  for (const auto& p : kPresets) {
    if (p.preset == preset) return p;
  }
  return kPresets[0];
}

}  // namespace

std::optional<DemoPreset> parse_demo_preset(std::string_view name) {
  for (const auto& p : kPresets) {
    if (p.name == name) return p.preset;
  }
  return std::nullopt;
}

std::string_view demo_preset_name(DemoPreset preset) { return info(preset).name; }

std::string demo_preset_names() {
  std::string out;
  for (const auto& p : kPresets) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

nlohmann::ordered_json demo_preset_config(DemoPreset preset, DType dtype) {
  auto config = nlohmann::ordered_json::parse(info(preset).config);
  config["torch_dtype"] = std::string(dtype_torch_name(dtype));
  return config;
}

nlohmann::ordered_json demo_preset_generation_config(DemoPreset preset) {
  return nlohmann::ordered_json::parse(info(preset).generation_config);
}

bool demo_preset_stores_lm_head(DemoPreset preset) { return preset == DemoPreset::kQwen3_0_6B; }
bool demo_preset_needs_tokenizer(DemoPreset preset) { return preset != DemoPreset::kDemo; }

}  // namespace vllmctl
