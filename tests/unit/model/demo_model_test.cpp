// `model demo`'s writer: the demo model round-trips every tensor, is deterministic per
// seed, has sane values, a loadable byte-level tokenizer, and --force semantics.
#include "engine/model/demo_model.h"
#include "engine/model/demo_tokenizer.h"
#include "engine/model/demo_weights.h"
#include "engine/model/model_dir.h"
#include "engine/model/model_summary.h"
#include "engine/model/safetensors_writer.h"
#include "engine/model/weight_layout.h"
#include "tests/unit/model/model_test_util.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace {

using namespace vllmctl;
using nlohmann::json;
using vllmctl::test::error_of;
using vllmctl::test::read_file;
using vllmctl::test::TempDir;

DemoModelResult write_demo(const std::filesystem::path& dir, DType dtype = DType::kBF16, uint64_t seed = 0) {
  DemoModelOptions o;
  o.out_dir = dir;
  o.dtype = dtype;
  o.seed = seed;
  return write_demo_model(o);
}

}  // namespace

TEST_CASE("the demo model round-trips every tensor: names, shapes, dtype, bytes") {
  for (DType dtype : {DType::kBF16, DType::kF16, DType::kF32}) {
    TempDir dir;
    const auto result = write_demo(dir.path(), dtype, 7);
    const ModelDir model = open_model_dir(dir.path());
    const auto layout = expected_weight_layout(model.config);
    CHECK(model.weights.tensors().size() == layout.size() - 1);  // all but the tied lm_head
    CHECK(result.num_tensors == model.weights.tensors().size());
    CHECK(result.num_parameters == model.weights.num_parameters());
    for (const auto& e : layout) {
      const auto entry = model.weights.find(e.name);
      if (e.optional) {
        CHECK(entry.info == nullptr);
        continue;
      }
      REQUIRE(entry.info != nullptr);
      CHECK(entry.info->dtype == dtype);
      CHECK(entry.info->shape == e.shape);
      // The bytes equal what the generator produces for this tensor on its own.
      const TensorSpec spec{e.name, dtype, e.shape};
      std::vector<std::byte> expected(spec.size_bytes());
      fill_demo_tensor(e.role, demo_tensor_stream(7, e.name), dtype, 0, expected);
      const auto bytes = entry.view().bytes;
      CHECK(std::equal(bytes.begin(), bytes.end(), expected.begin(), expected.end()));
    }
  }
}

TEST_CASE("demo weights: deterministic per seed, never all zeros, norms near 1, small projections") {
  TempDir a, b, c;
  write_demo(a.path(), DType::kBF16, 1);
  write_demo(b.path(), DType::kBF16, 1);
  write_demo(c.path(), DType::kBF16, 2);
  CHECK(read_file(a / "model.safetensors") == read_file(b / "model.safetensors"));
  CHECK(read_file(a / "model.safetensors") != read_file(c / "model.safetensors"));

  const ModelDir model = open_model_dir(a.path());
  for (const auto& e : expected_weight_layout(model.config)) {
    const auto entry = model.weights.find(e.name);
    if (entry.info == nullptr) continue;
    const auto values = tensor_to_f32(entry.view(), "m");
    double sum = 0, sum_sq = 0;
    float lo = values[0], hi = values[0];
    for (float v : values) {
      sum += v;
      sum_sq += double(v) * v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const double n = static_cast<double>(values.size());
    const double mean = sum / n, sd = std::sqrt(std::max(0.0, sum_sq / n - mean * mean));
    CAPTURE(e.name);
    CHECK(hi > lo);  // not constant, so never all zeros
    if (e.role == TensorRole::kNorm) {
      CHECK(lo >= 0.94f);
      CHECK(hi <= 1.06f);
    } else {
      CHECK(std::abs(mean) < 0.01);
      if (values.size() >= 1000) CHECK(sd == doctest::Approx(0.02).epsilon(0.1));
      CHECK(std::abs(lo) < 0.06f);
      CHECK(std::abs(hi) < 0.06f);
    }
  }
}

TEST_CASE("the demo model's files: config, generation defaults, a byte-level tokenizer") {
  TempDir dir;
  write_demo(dir.path());
  const ModelDir model = open_model_dir(dir.path());
  CHECK(model.config.vocab_size == 264);
  CHECK(model.config.vocab_size % 8 == 0);
  CHECK(model.config.eos_token_ids == std::vector<int64_t>{kDemoImEndId});
  REQUIRE(model.generation.has_value());
  CHECK(model.generation->eos_token_ids == std::vector<int64_t>{kDemoImEndId, kDemoEndOfTextId});

  const json tok = json::parse(read_file(dir / "tokenizer.json"));
  CHECK(tok["model"]["type"] == "BPE");
  CHECK(tok["model"]["merges"].empty());
  const auto& vocab = tok["model"]["vocab"];
  CHECK(vocab.size() == 256);
  CHECK(vocab["!"] == 0);
  CHECK(gpt2_byte_of_id(vocab.at("\xc4\xa0").get<int>()) == ' ');  // "Ġ" is the space byte
  CHECK(gpt2_byte_symbol(' ') == "\xc4\xa0");
  CHECK(gpt2_byte_symbol('\n') == "\xc4\x8a");  // "Ċ"
  std::set<int> ids;
  for (const auto& [sym, id] : vocab.items()) ids.insert(id.get<int>());
  CHECK(ids.size() == 256);
  CHECK(*ids.rbegin() == 255);
  std::set<int> bytes;
  for (int id = 0; id < 256; ++id) bytes.insert(gpt2_byte_of_id(id));
  CHECK(bytes.size() == 256);
  CHECK(tok["decoder"]["type"] == "ByteLevel");
  REQUIRE(tok["added_tokens"].size() == 3);
  CHECK(tok["added_tokens"][2]["content"] == "<|im_end|>");
  CHECK(tok["added_tokens"][2]["id"] == kDemoImEndId);
  CHECK(tok["added_tokens"][2]["special"] == true);

  const json tc = json::parse(read_file(dir / "tokenizer_config.json"));
  CHECK(tc["eos_token"] == "<|im_end|>");
  const std::string tmpl = tc["chat_template"];
  CHECK(tmpl.find("<|im_start|>") != std::string::npos);
  CHECK(tmpl.find("add_generation_prompt") != std::string::npos);
}

TEST_CASE("the demo tokenizer matches the Qwen2.5 vocabulary's byte symbols") {
  auto dir = vllmctl::test::fixture_or_skip("qwen2.5-tokenizer");
  if (!dir) return;
  const json vocab = json::parse(read_file(*dir / "vocab.json"));
  const json demo = json::parse(demo_tokenizer_json())["model"]["vocab"];
  for (const auto& [sym, id] : demo.items()) {
    CAPTURE(sym);
    CHECK(vocab.at(sym) == id);
  }
}

TEST_CASE("--out must be empty unless force; force replaces only model files") {
  TempDir dir;
  vllmctl::test::write_file(dir / "notes.txt", "keep me");
  const std::string e = error_of([&] { write_demo(dir.path()); });
  CHECK(e == dir.path().string() + ": directory is not empty; pass --force to replace the model files in it");
  CHECK(read_file(dir / "notes.txt") == "keep me");
  CHECK_FALSE(std::filesystem::exists(dir / "config.json"));

  DemoModelOptions o;
  o.out_dir = dir.path();
  o.force = true;
  vllmctl::test::write_file(dir / "model-00001-of-00002.safetensors", "stale");
  write_demo_model(o);
  CHECK(read_file(dir / "notes.txt") == "keep me");
  CHECK_FALSE(std::filesystem::exists(dir / "model-00001-of-00002.safetensors"));
  CHECK_NOTHROW(open_model_dir(dir.path()));

  vllmctl::test::write_file(dir / "file", "x");
  o.out_dir = dir / "file";
  CHECK(error_of([&] { write_demo_model(o); }).find("not a directory") != std::string::npos);
}

TEST_CASE("real-shape presets need --tokenizer; the demo preset refuses one") {
  TempDir dir;
  DemoModelOptions o;
  o.out_dir = dir / "m";
  o.preset = DemoPreset::kQwen25_0_5B;
  CHECK(error_of([&] { write_demo_model(o); }).find("the qwen2.5-0.5b preset needs --tokenizer DIR") !=
        std::string::npos);
  o.tokenizer_dir = dir.path();  // no tokenizer.json there
  CHECK(error_of([&] { write_demo_model(o); }).find("no tokenizer.json") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "m"));
  o.preset = DemoPreset::kDemo;
  CHECK(error_of([&] { write_demo_model(o); }).find("writes its own byte-level tokenizer") != std::string::npos);
}

TEST_CASE("sharded loading via model.safetensors.index.json") {
  TempDir dir;
  write_demo(dir.path());
  std::vector<TensorBytes> shard1, shard2;
  json weight_map = json::object();
  {
    SafetensorsFile single(dir / "model.safetensors");
    for (const auto& t : single.header().tensors) {
      const auto bytes = single.view(t).bytes;
      const bool first = t.name.find("layers.1.") == std::string::npos;
      (first ? shard1 : shard2).push_back({{t.name, t.dtype, t.shape}, {bytes.begin(), bytes.end()}});
      weight_map[t.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    }
  }
  const std::string original = read_file(dir / "model.safetensors");
  std::filesystem::remove(dir / "model.safetensors");
  write_safetensors(dir / "model-00001-of-00002.safetensors", shard1);
  write_safetensors(dir / "model-00002-of-00002.safetensors", shard2);
  vllmctl::test::write_file(dir / "model.safetensors.index.json",
                            json{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}.dump());
  const ModelDir model = open_model_dir(dir.path());
  CHECK(model.weights.files().size() == 2);
  CHECK(model.weights.tensors().size() == shard1.size() + shard2.size());
  CHECK(model.weights.find("model.layers.1.mlp.up_proj.weight").file->path().filename() ==
        "model-00002-of-00002.safetensors");
  CHECK(model_summary_json(model)["sharded"] == true);

  // The index and the shards must agree.
  const std::string index_path = (dir / "model.safetensors.index.json").string();
  json bad = weight_map;
  bad["model.norm.weight"] = "model-00002-of-00002.safetensors";
  vllmctl::test::write_file(dir / "model.safetensors.index.json", json{{"weight_map", bad}}.dump());
  std::string e = error_of([&] { open_model_dir(dir.path()); });
  CHECK(e.rfind(index_path + ": weight_map puts tensor 'model.norm.weight' in ", 0) == 0);
  bad = weight_map;
  bad.erase("model.norm.weight");
  vllmctl::test::write_file(dir / "model.safetensors.index.json", json{{"weight_map", bad}}.dump());
  e = error_of([&] { open_model_dir(dir.path()); });
  CHECK(e.find("holds tensor 'model.norm.weight', but weight_map does not list it") != std::string::npos);
  bad = weight_map;
  bad["model.norm.weight"] = "../elsewhere.safetensors";
  vllmctl::test::write_file(dir / "model.safetensors.index.json", json{{"weight_map", bad}}.dump());
  CHECK(error_of([&] { open_model_dir(dir.path()); }).find("not a plain file name") != std::string::npos);
}
