// ModelConfig: what the engine needs from a Hugging Face `config.json`, for the decoder
// architectures it implements (Qwen2/2.5, Qwen3, Llama 3.x, Mistral).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vllmctl {

enum class Architecture { kQwen2, kQwen3, kLlama, kMistral };

// "Qwen2ForCausalLM" etc.; the names config.json's `architectures` may hold.
std::string_view architecture_name(Architecture arch);
std::optional<Architecture> parse_architecture(std::string_view name);

// Llama-3 style frequency-dependent RoPE scaling (`rope_type: "llama3"`).
struct Llama3RopeScaling {
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 1.0;
  int64_t original_max_position_embeddings = 0;
};

struct ModelConfig {
  Architecture architecture = Architecture::kQwen2;
  std::string model_type;  // as written ("qwen2"); may be empty
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // = num_attention_heads when absent
  int64_t head_dim = 0;             // = hidden_size / num_attention_heads when absent
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<Llama3RopeScaling> rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;     // q/k/v_proj carry a bias (Qwen2 always; others: attention_bias)
  bool o_proj_bias = false;  // o_proj carries a bias (attention_bias, not Qwen2)
  bool mlp_bias = false;     // gate/up/down carry a bias (Llama's mlp_bias)
  bool qk_norm = false;      // per-head RMSNorm on q and k before RoPE (Qwen3)
  std::string torch_dtype;   // "bfloat16", from `torch_dtype` or `dtype`; may be empty
  std::optional<int64_t> sliding_window;  // set only when a sliding window is in force
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;  // eos_token_id, an int or a list
  std::optional<int64_t> pad_token_id;

  int64_t q_size() const { return num_attention_heads * head_dim; }
  int64_t kv_size() const { return num_key_value_heads * head_dim; }
};

// Parses a config.json object. `label` names the file in errors. Throws ModelFileError
// "LABEL: missing required field 'hidden_size'", "LABEL: unsupported architecture ...",
// "LABEL: field 'x' must be ..." for a wrong type or an inconsistent value.
ModelConfig parse_model_config(const nlohmann::json& config, std::string_view label);

// Reads and parses `path` (a config.json). Throws ModelFileError naming the file.
ModelConfig load_model_config(const std::filesystem::path& path);

// Reads a JSON file, throwing ModelFileError "PATH: cannot read ..." or "PATH: not valid
// JSON: ..." (one line).
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace vllmctl
