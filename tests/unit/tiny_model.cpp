// write_tiny_model: the architecture's config through write_random_model.
#include "tests/unit/tiny_model.h"

#include "engine/model/random_model.h"

#include <nlohmann/json.hpp>

namespace vllmctl::test {

std::string tiny_arch_name(TinyArch arch) {
  switch (arch) {
    case TinyArch::kQwen2: return "qwen2";
    case TinyArch::kLlama3: return "llama3";
    case TinyArch::kQwen3: return "qwen3";
    case TinyArch::kMistralUntied: return "mistral-untied";
  }
  return "?";
}

namespace {

nlohmann::json tiny_config(TinyArch arch) {
  nlohmann::json c = {
      {"hidden_size", 64}, {"intermediate_size", 160}, {"num_hidden_layers", 3},
      {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"vocab_size", 384},
      {"max_position_embeddings", 2048}, {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0},
      {"tie_word_embeddings", true}, {"torch_dtype", "float32"}, {"hidden_act", "silu"},
      {"bos_token_id", 1}, {"eos_token_id", 2}};
  switch (arch) {
    case TinyArch::kQwen2:
      c["architectures"] = {"Qwen2ForCausalLM"};
      c["model_type"] = "qwen2";
      break;
    case TinyArch::kLlama3:
      c["architectures"] = {"LlamaForCausalLM"};
      c["model_type"] = "llama";
      c["rope_theta"] = 500000.0;
      // Small original length so positions in the test span all three frequency bands.
      c["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                           {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
      c["attention_bias"] = false;
      c["mlp_bias"] = false;
      break;
    case TinyArch::kQwen3:
      c["architectures"] = {"Qwen3ForCausalLM"};
      c["model_type"] = "qwen3";
      c["head_dim"] = 32;  // q_proj out (128) != hidden (64), as in Qwen3
      c["attention_bias"] = false;
      break;
    case TinyArch::kMistralUntied:
      c["architectures"] = {"MistralForCausalLM"};
      c["model_type"] = "mistral";
      c["tie_word_embeddings"] = false;
      c["num_key_value_heads"] = 1;
      break;
  }
  return c;
}

}  // namespace

void write_tiny_model(const std::filesystem::path& dir, TinyArch arch, DType dtype, uint64_t seed) {
  write_random_model(dir, tiny_config(arch), dtype, seed);
}

}  // namespace vllmctl::test
