// parse_model_config(): config.json -> ModelConfig, with one-line errors naming the
// file and the field, and the defaults transformers applies when a key is absent.
#include "engine/model/model_config.h"

#include "engine/model/json_fields.h"
#include "engine/model/model_error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace vllmctl {

namespace {

using nlohmann::json;

constexpr std::pair<Architecture, std::string_view> kArchitectures[] = {
    {Architecture::kQwen2, "Qwen2ForCausalLM"},
    {Architecture::kQwen3, "Qwen3ForCausalLM"},
    {Architecture::kLlama, "LlamaForCausalLM"},
    {Architecture::kMistral, "MistralForCausalLM"},
};

Architecture read_architecture(const JsonFields& f) {
  const json* archs = f.find("architectures");
  if (archs == nullptr) throw f.error("missing required field 'architectures'");
  std::vector<std::string> names;
  if (archs->is_string()) {
    names.push_back(archs->get<std::string>());
  } else if (archs->is_array()) {
    for (const auto& a : *archs) {
      if (!a.is_string()) throw f.error("field 'architectures' must be a list of strings");
      names.push_back(a.get<std::string>());
    }
  } else {
    throw f.error("field 'architectures' must be a list of strings");
  }
  if (names.empty()) throw f.error("field 'architectures' is empty");
  for (const auto& name : names) {
    if (auto arch = parse_architecture(name)) return *arch;
  }
  throw f.error(fmt::format("unsupported architecture '{}' (supported: Qwen2ForCausalLM, "
                            "Qwen3ForCausalLM, LlamaForCausalLM, MistralForCausalLM)",
                            printable(names.front(), 80)));
}

// rope_theta and rope_scaling, from the classic keys or the newer `rope_parameters`.
void read_rope(const JsonFields& f, ModelConfig& c) {
  const json* params = f.find("rope_parameters");
  if (params != nullptr && !params->is_object()) throw f.error("field 'rope_parameters' must be an object");
  if (auto theta = f.optional_number("rope_theta")) {
    c.rope_theta = *theta;
  } else if (params != nullptr) {
    if (auto t = f.nested(*params, "rope_parameters").optional_number("rope_theta")) c.rope_theta = *t;
  }
  if (c.rope_theta <= 0) throw f.error("field 'rope_theta' must be positive");

  const json* scaling = f.find("rope_scaling");
  std::string prefix = "rope_scaling";
  if (scaling == nullptr) {
    scaling = params;
    prefix = "rope_parameters";
  }
  if (scaling == nullptr) return;
  if (!scaling->is_object()) throw f.error(fmt::format("field '{}' must be an object or null", prefix));
  const JsonFields s = f.nested(*scaling, prefix);
  std::string type = s.optional_string("rope_type").value_or(s.optional_string("type").value_or("default"));
  if (type == "default") return;
  if (type != "llama3") {
    throw f.error(fmt::format("field '{}.rope_type' is '{}'; only 'default' and 'llama3' are supported",
                              prefix, printable(type, 40)));
  }
  Llama3RopeScaling r;
  r.factor = s.required_number("factor");
  r.low_freq_factor = s.required_number("low_freq_factor");
  r.high_freq_factor = s.required_number("high_freq_factor");
  r.original_max_position_embeddings = s.required_positive_int("original_max_position_embeddings");
  if (r.factor <= 0 || r.low_freq_factor <= 0 || r.high_freq_factor <= r.low_freq_factor) {
    throw f.error(fmt::format("field '{}' needs factor > 0 and high_freq_factor > low_freq_factor > 0", prefix));
  }
  c.rope_scaling = r;
}

}  // namespace

std::string_view architecture_name(Architecture arch) {
  for (const auto& [a, name] : kArchitectures) {
    if (a == arch) return name;
  }
  return "?";
}

std::optional<Architecture> parse_architecture(std::string_view name) {
  for (const auto& [a, n] : kArchitectures) {
    if (n == name) return a;
  }
  return std::nullopt;
}

ModelConfig parse_model_config(const json& config, std::string_view label) {
  if (!config.is_object()) throw ModelFileError(fmt::format("{}: not a JSON object", label));
  const JsonFields f(config, label);
  ModelConfig c;
  c.architecture = read_architecture(f);
  c.model_type = f.optional_string("model_type").value_or("");
  c.hidden_size = f.required_positive_int("hidden_size");
  c.intermediate_size = f.required_positive_int("intermediate_size");
  c.num_hidden_layers = f.required_positive_int("num_hidden_layers");
  c.num_attention_heads = f.required_positive_int("num_attention_heads");
  c.vocab_size = f.required_positive_int("vocab_size");
  c.num_key_value_heads = f.optional_positive_int("num_key_value_heads").value_or(c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    throw f.error(fmt::format("num_attention_heads {} is not a multiple of num_key_value_heads {}",
                              c.num_attention_heads, c.num_key_value_heads));
  }
  if (auto hd = f.optional_positive_int("head_dim")) {
    c.head_dim = *hd;
  } else {
    if (c.hidden_size % c.num_attention_heads != 0) {
      throw f.error(fmt::format("no 'head_dim', and hidden_size {} is not a multiple of "
                                "num_attention_heads {}", c.hidden_size, c.num_attention_heads));
    }
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0) throw f.error(fmt::format("head_dim {} must be even for RoPE", c.head_dim));

  const int64_t default_max_positions =
      c.architecture == Architecture::kLlama ? 2048 : c.architecture == Architecture::kMistral ? 131072 : 32768;
  c.max_position_embeddings = f.optional_positive_int("max_position_embeddings").value_or(default_max_positions);
  c.rms_norm_eps = f.optional_number("rms_norm_eps").value_or(1e-6);
  if (c.rms_norm_eps <= 0) throw f.error("field 'rms_norm_eps' must be positive");
  if (auto act = f.optional_string("hidden_act"); act && *act != "silu") {
    throw f.error(fmt::format("field 'hidden_act' is '{}'; only 'silu' is supported", printable(*act, 40)));
  }
  read_rope(f, c);
  c.tie_word_embeddings = f.optional_bool("tie_word_embeddings").value_or(false);

  const bool attention_bias = f.optional_bool("attention_bias").value_or(false);
  switch (c.architecture) {
    case Architecture::kQwen2:  // transformers hard-wires the q/k/v biases on, o_proj off
      c.qkv_bias = true;
      break;
    case Architecture::kQwen3:
      c.qkv_bias = c.o_proj_bias = attention_bias;
      c.qk_norm = true;
      break;
    case Architecture::kLlama:
      c.qkv_bias = c.o_proj_bias = attention_bias;
      c.mlp_bias = f.optional_bool("mlp_bias").value_or(false);
      break;
    case Architecture::kMistral:
      c.qkv_bias = c.o_proj_bias = attention_bias;
      break;
  }

  c.torch_dtype = f.optional_string("torch_dtype").value_or(f.optional_string("dtype").value_or(""));
  if (c.architecture == Architecture::kMistral) {
    c.sliding_window = f.optional_positive_int("sliding_window");
  } else if (c.architecture != Architecture::kLlama && f.optional_bool("use_sliding_window").value_or(false)) {
    c.sliding_window = f.optional_positive_int("sliding_window");
  }
  c.bos_token_id = f.optional_token_id("bos_token_id");
  c.eos_token_ids = f.token_id_list("eos_token_id");
  c.pad_token_id = f.optional_token_id("pad_token_id");
  return c;
}

json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError(fmt::format("{}: cannot read (missing?)", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::exception& e) {
    throw ModelFileError(fmt::format("{}: not valid JSON: {}", path.string(), printable(e.what(), 240)));
  }
}

ModelConfig load_model_config(const std::filesystem::path& path) {
  return parse_model_config(read_json_file(path), path.string());
}

}  // namespace vllmctl
