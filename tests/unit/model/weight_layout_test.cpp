// The expected tensor layout per architecture (names, shapes, counts, parameters), and
// its check against real files: missing, misshapen, wrong-dtype and unexpected tensors.
#include "engine/model/demo_presets.h"
#include "engine/model/model_dir.h"
#include "engine/model/safetensors_writer.h"
#include "engine/model/weight_layout.h"
#include "tests/unit/model/model_test_util.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace {

using namespace vllmctl;
using vllmctl::test::error_of;
using vllmctl::test::TempDir;

struct Counts {
  size_t required = 0;
  size_t with_optional = 0;
  uint64_t params = 0;  // required tensors only
};

Counts count(DemoPreset preset) {
  const auto config = parse_model_config(demo_preset_config(preset, DType::kBF16), "config.json");
  Counts c;
  for (const auto& t : expected_weight_layout(config)) {
    ++c.with_optional;
    if (t.optional) continue;
    ++c.required;
    uint64_t n = 1;
    for (auto d : t.shape) n *= d;
    c.params += n;
  }
  return c;
}

// A model directory with the demo preset's config and the given tensors (all zeros).
void write_model(const std::filesystem::path& dir, const std::vector<TensorSpec>& specs) {
  vllmctl::test::write_file(dir / "config.json", demo_preset_config(DemoPreset::kDemo, DType::kBF16).dump());
  write_safetensors(dir / "model.safetensors", specs,
                    [](const TensorSpec&, uint64_t, std::span<std::byte> chunk) {
                      std::fill(chunk.begin(), chunk.end(), std::byte{0});
                    });
}

std::vector<TensorSpec> demo_specs() {
  const auto config = parse_model_config(demo_preset_config(DemoPreset::kDemo, DType::kBF16), "config.json");
  std::vector<TensorSpec> specs;
  for (const auto& t : expected_weight_layout(config)) {
    if (!t.optional) specs.push_back({t.name, DType::kBF16, t.shape});
  }
  return specs;
}

std::string open_error(const std::filesystem::path& dir) {
  const std::string e = error_of([&] { open_model_dir(dir); });
  CHECK(vllmctl::test::one_line(e));
  return e;
}

}  // namespace

TEST_CASE("Qwen2.5-0.5B: 290 tensors, 494,032,768 parameters, optional tied lm_head") {
  const Counts c = count(DemoPreset::kQwen25_0_5B);
  CHECK(c.required == 290);
  CHECK(c.with_optional == 291);
  CHECK(c.params == 494'032'768);
  const auto config = parse_model_config(demo_preset_config(DemoPreset::kQwen25_0_5B, DType::kBF16), "c");
  const auto layout = expected_weight_layout(config);
  CHECK(layout.front().name == "model.embed_tokens.weight");
  CHECK(layout.front().shape == std::vector<uint64_t>{151936, 896});
  auto find = [&](const std::string& name) {
    return std::find_if(layout.begin(), layout.end(), [&](const auto& t) { return t.name == name; });
  };
  CHECK(find("model.layers.23.self_attn.k_proj.weight")->shape == std::vector<uint64_t>{128, 896});
  CHECK(find("model.layers.0.self_attn.q_proj.bias")->shape == std::vector<uint64_t>{896});
  CHECK(find("model.layers.0.mlp.down_proj.weight")->shape == std::vector<uint64_t>{896, 4864});
  CHECK(find("model.layers.0.self_attn.o_proj.bias") == layout.end());
  CHECK(find("lm_head.weight")->optional);
}

TEST_CASE("Llama-3.2-1B: 146 tensors, 1,235,814,400 parameters; Qwen3-0.6B: q/k norms") {
  const Counts llama = count(DemoPreset::kLlama32_1B);
  CHECK(llama.required == 146);
  CHECK(llama.params == 1'235'814'400);
  const Counts qwen3 = count(DemoPreset::kQwen3_0_6B);
  CHECK(qwen3.required == 310);       // + lm_head.weight stored in the real file = 311
  CHECK(qwen3.params == 596'049'920);  // unique parameters
}

TEST_CASE("an untied model requires lm_head.weight") {
  auto j = demo_preset_config(DemoPreset::kDemo, DType::kBF16);
  j["tie_word_embeddings"] = false;
  const auto layout = expected_weight_layout(parse_model_config(j, "c"));
  CHECK_FALSE(layout.back().optional);
  CHECK(layout.back().name == "lm_head.weight");
}

TEST_CASE("validation against the config: missing, shape, dtype, unexpected") {
  TempDir dir;
  const std::string file = (dir / "model.safetensors").string();
  auto specs = demo_specs();
  write_model(dir.path(), specs);
  CHECK_NOTHROW(open_model_dir(dir.path()));

  auto missing = specs;
  missing.erase(std::find_if(missing.begin(), missing.end(), [](auto& s) { return s.name == "model.norm.weight"; }));
  write_model(dir.path(), missing);
  CHECK(open_error(dir.path()) ==
        file + ": missing tensor 'model.norm.weight' (Qwen2ForCausalLM with 2 layers expects shape [64])");

  auto misshapen = specs;
  for (auto& s : misshapen) {
    if (s.name == "model.layers.1.self_attn.k_proj.weight") s.shape = {64, 64};
  }
  write_model(dir.path(), misshapen);
  CHECK(open_error(dir.path()) == file + ": tensor 'model.layers.1.self_attn.k_proj.weight': shape [64, 64], but "
                                         "config.json (Qwen2ForCausalLM with 2 layers) expects [32, 64]");

  auto wrong_dtype = specs;
  for (auto& s : wrong_dtype) {
    if (s.name == "model.layers.0.input_layernorm.weight") s.dtype = DType::kI32;
  }
  write_model(dir.path(), wrong_dtype);
  CHECK(open_error(dir.path()) == file + ": tensor 'model.layers.0.input_layernorm.weight': dtype I32 is not one "
                                         "the engine can load (F32, F16, BF16)");

  auto extra = specs;
  extra.push_back({"model.layers.2.mlp.up_proj.weight", DType::kBF16, {128, 64}});
  write_model(dir.path(), extra);
  CHECK(open_error(dir.path()) ==
        file + ": unexpected tensor 'model.layers.2.mlp.up_proj.weight' (not part of Qwen2ForCausalLM with 2 layers)");

  // Tolerated: a stored tied lm_head and old rotary inv_freq buffers; mixed float dtypes.
  auto tolerated = specs;
  tolerated.push_back({"lm_head.weight", DType::kBF16, {264, 64}});
  tolerated.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq", DType::kF32, {8}});
  tolerated[1].dtype = DType::kF32;
  write_model(dir.path(), tolerated);
  CHECK_NOTHROW(open_model_dir(dir.path()));
}

TEST_CASE("a directory without weights or config") {
  TempDir dir;
  CHECK(open_error(dir.path()).find("config.json: cannot read") != std::string::npos);
  vllmctl::test::write_file(dir / "config.json", demo_preset_config(DemoPreset::kDemo, DType::kBF16).dump());
  CHECK(open_error(dir.path()).find("no model.safetensors or model.safetensors.index.json") != std::string::npos);
  CHECK(open_error(dir / "absent").find("not a directory") != std::string::npos);
}
