// config.json and generation_config.json parsing: the four architectures, the key
// spellings of old and new transformers, and one-line errors naming file and field.
#include "engine/model/generation_config.h"
#include "engine/model/model_config.h"
#include "tests/unit/model/model_test_util.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using namespace vllmctl;
using nlohmann::json;
using vllmctl::test::error_of;

json qwen25() {
  return json::parse(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
    "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "hidden_act": "silu",
    "tie_word_embeddings": true, "torch_dtype": "bfloat16", "bos_token_id": 151643, "eos_token_id": 151645,
    "sliding_window": 32768, "use_sliding_window": false, "model_type": "qwen2"})");
}

std::string config_error(const json& j) {
  const std::string e = error_of([&] { parse_model_config(j, "dir/config.json"); });
  CHECK(vllmctl::test::one_line(e));
  return e;
}

}  // namespace

TEST_CASE("Qwen2.5: derived head_dim, q/k/v biases on, tied, no sliding window") {
  const ModelConfig c = parse_model_config(qwen25(), "config.json");
  CHECK(c.architecture == Architecture::kQwen2);
  CHECK(c.head_dim == 64);
  CHECK(c.q_size() == 896);
  CHECK(c.kv_size() == 128);
  CHECK(c.qkv_bias);
  CHECK_FALSE(c.o_proj_bias);
  CHECK_FALSE(c.qk_norm);
  CHECK(c.tie_word_embeddings);
  CHECK(c.rope_theta == 1e6);
  CHECK(c.rms_norm_eps == 1e-6);
  CHECK_FALSE(c.rope_scaling.has_value());
  CHECK_FALSE(c.sliding_window.has_value());
  CHECK(c.torch_dtype == "bfloat16");
  CHECK(c.eos_token_ids == std::vector<int64_t>{151645});
  CHECK(c.bos_token_id == 151643);
}

TEST_CASE("the fixture's Qwen2.5-0.5B config.json parses") {
  auto dir = vllmctl::test::fixture_or_skip("qwen2.5-tokenizer");
  if (!dir) return;
  const ModelConfig c = load_model_config(*dir / "config.json");
  CHECK(c.hidden_size == 896);
  CHECK(c.num_hidden_layers == 24);
  CHECK(c.vocab_size == 151936);
  const auto g = load_generation_config(*dir / "generation_config.json");
  REQUIRE(g.has_value());
  CHECK(g->eos_token_ids == std::vector<int64_t>{151645, 151643});
  CHECK(g->temperature == 0.7);
  CHECK(g->top_p == 0.8);
  CHECK(g->top_k == 20);
  CHECK(g->repetition_penalty == 1.1);
  CHECK(g->bos_token_id == 151643);
  CHECK(g->pad_token_id == 151643);
}

TEST_CASE("newer transformers spellings: dtype and rope_parameters") {
  json j = qwen25();
  j.erase("torch_dtype");
  j.erase("rope_theta");
  j["dtype"] = "float16";
  j["rope_parameters"] = {{"rope_theta", 5e5}, {"rope_type", "default"}};
  const ModelConfig c = parse_model_config(j, "config.json");
  CHECK(c.torch_dtype == "float16");
  CHECK(c.rope_theta == 5e5);
  CHECK_FALSE(c.rope_scaling.has_value());
}

TEST_CASE("Llama 3.2: llama3 rope scaling, eos list, no biases") {
  const json j = json::parse(R"({"architectures": ["LlamaForCausalLM"], "attention_bias": false,
    "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
    "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
    "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
    "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256})");
  const ModelConfig c = parse_model_config(j, "config.json");
  CHECK(c.architecture == Architecture::kLlama);
  REQUIRE(c.rope_scaling.has_value());
  CHECK(c.rope_scaling->factor == 32.0);
  CHECK(c.rope_scaling->low_freq_factor == 1.0);
  CHECK(c.rope_scaling->high_freq_factor == 4.0);
  CHECK(c.rope_scaling->original_max_position_embeddings == 8192);
  CHECK(c.eos_token_ids == std::vector<int64_t>{128001, 128008, 128009});
  CHECK_FALSE(c.qkv_bias);
  CHECK_FALSE(c.mlp_bias);
  CHECK(c.rms_norm_eps == 1e-5);

  json missing = j;
  missing["rope_scaling"].erase("low_freq_factor");
  CHECK(config_error(missing) == "dir/config.json: missing required field 'rope_scaling.low_freq_factor'");
  json yarn = j;
  yarn["rope_scaling"]["rope_type"] = "yarn";
  CHECK(config_error(yarn).find("'rope_scaling.rope_type' is 'yarn'") != std::string::npos);
}

TEST_CASE("Qwen3: explicit head_dim, q/k norm, no biases; Mistral: sliding window") {
  json j = qwen25();
  j["architectures"] = {"Qwen3ForCausalLM"};
  j["head_dim"] = 128;
  j["attention_bias"] = false;
  j["hidden_size"] = 1024;
  j["num_attention_heads"] = 16;
  j["num_key_value_heads"] = 8;
  const ModelConfig q3 = parse_model_config(j, "config.json");
  CHECK(q3.head_dim == 128);
  CHECK(q3.q_size() == 2048);  // != hidden_size
  CHECK(q3.qk_norm);
  CHECK_FALSE(q3.qkv_bias);

  j["architectures"] = {"MistralForCausalLM"};
  j["sliding_window"] = 4096;
  j["tie_word_embeddings"] = false;
  const ModelConfig m = parse_model_config(j, "config.json");
  CHECK(m.architecture == Architecture::kMistral);
  CHECK(m.sliding_window == 4096);
  CHECK_FALSE(m.qk_norm);
  CHECK_FALSE(m.tie_word_embeddings);
}

TEST_CASE("missing fields, wrong types and unsupported architectures are one-line errors") {
  json j = qwen25();
  j.erase("hidden_size");
  CHECK(config_error(j) == "dir/config.json: missing required field 'hidden_size'");
  j = qwen25();
  j["num_hidden_layers"] = "24";
  CHECK(config_error(j) == "dir/config.json: field 'num_hidden_layers' must be a positive integer, got \"24\"");
  j = qwen25();
  j["architectures"] = {"GPT2LMHeadModel"};
  CHECK(config_error(j).rfind("dir/config.json: unsupported architecture 'GPT2LMHeadModel'", 0) == 0);
  j = qwen25();
  j.erase("architectures");
  CHECK(config_error(j) == "dir/config.json: missing required field 'architectures'");
  j = qwen25();
  j["num_key_value_heads"] = 3;
  CHECK(config_error(j).find("not a multiple of num_key_value_heads 3") != std::string::npos);
  j = qwen25();
  j["hidden_act"] = "gelu";
  CHECK(config_error(j).find("only 'silu'") != std::string::npos);
  j = qwen25();
  j["eos_token_id"] = {1, "x"};
  CHECK(config_error(j).find("field 'eos_token_id'") != std::string::npos);
}

TEST_CASE("config files on disk: missing and malformed") {
  vllmctl::test::TempDir dir;
  CHECK(error_of([&] { load_model_config(dir / "config.json"); }).find("config.json: cannot read") !=
        std::string::npos);
  vllmctl::test::write_file(dir / "config.json", "{\"a\":\n");
  const std::string e = error_of([&] { load_model_config(dir / "config.json"); });
  CHECK(vllmctl::test::one_line(e));
  CHECK(e.find("not valid JSON") != std::string::npos);
  CHECK_FALSE(load_generation_config(dir / "generation_config.json").has_value());
}

TEST_CASE("generation_config: every field optional, eos int or list, bad types refused") {
  const auto g = parse_generation_config(json::parse(R"({"eos_token_id": 7, "do_sample": false})"), "g.json");
  CHECK(g.eos_token_ids == std::vector<int64_t>{7});
  CHECK(g.do_sample == false);
  CHECK_FALSE(g.temperature.has_value());
  CHECK_FALSE(g.top_k.has_value());
  CHECK(error_of([] { parse_generation_config(json::parse(R"({"top_k": 2.5})"), "g.json"); }) ==
        "g.json: field 'top_k' must be a non-negative integer, got 2.5");
  CHECK(error_of([] { parse_generation_config(json::parse(R"({"temperature": "hot"})"), "g.json"); }) ==
        "g.json: field 'temperature' must be a number, got \"hot\"");
}
