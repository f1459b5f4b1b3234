// write_tiny_model: config.json + model.safetensors with N(0, 1/sqrt(fan_in)) weights.
#include "tests/unit/tiny_model.h"

#include "engine/model/model_config.h"
#include "engine/model/safetensors_writer.h"
#include "engine/model/weight_layout.h"
#include "tests/unit/test_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <random>

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
  nlohmann::json config = tiny_config(arch);
  write_file(dir / "config.json", config.dump(2));
  const ModelConfig parsed = parse_model_config(config, "config.json");

  std::mt19937_64 rng(seed);
  std::vector<TensorBytes> tensors;
  for (const ExpectedTensor& t : expected_weight_layout(parsed)) {
    if (t.optional) continue;
    uint64_t numel = 1;
    for (uint64_t d : t.shape) numel *= d;
    const double fan_in = static_cast<double>(t.shape.back());
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> values(numel);
    for (float& v : values) {
      const float z = normal(rng);
      switch (t.role) {
        case TensorRole::kNorm: v = 1.0f + 0.1f * z; break;
        case TensorRole::kBias: v = 0.1f * z; break;
        case TensorRole::kEmbedding: v = z; break;
        default: v = z / static_cast<float>(std::sqrt(fan_in)); break;
      }
    }
    TensorBytes tb{TensorSpec{t.name, dtype, t.shape}, {}};
    tb.bytes.resize(tb.spec.size_bytes());
    for (uint64_t i = 0; i < numel; ++i) {
      if (dtype == DType::kF32) {
        std::memcpy(tb.bytes.data() + i * 4, &values[i], 4);
      } else {
        uint16_t bits = dtype == DType::kBF16 ? f32_to_bf16(values[i]) : f32_to_f16(values[i]);
        std::memcpy(tb.bytes.data() + i * 2, &bits, 2);
      }
    }
    tensors.push_back(std::move(tb));
  }
  write_safetensors(dir / "model.safetensors", tensors);
}

}  // namespace vllmctl::test
