// The qwen2.5-0.5b preset with the fixture tokenizer: the published config values, the
// tokenizer files byte for byte, 290 tensors and 494,032,768 parameters (~1 GB of bf16).
#include "engine/model/demo_model.h"
#include "engine/model/model_dir.h"
#include "engine/model/model_summary.h"
#include "tests/unit/model/model_test_util.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace {

using namespace vllmctl;
using nlohmann::json;
using vllmctl::test::read_file;

}  // namespace

TEST_CASE("qwen2.5-0.5b preset: config, tokenizer files, 290 tensors, 494,032,768 parameters") {
  auto fixture = vllmctl::test::fixture_or_skip("qwen2.5-tokenizer");
  if (!fixture) return;
  vllmctl::test::TempDir dir;
  DemoModelOptions o;
  o.out_dir = dir / "qwen";
  o.preset = DemoPreset::kQwen25_0_5B;
  o.tokenizer_dir = *fixture;
  const auto start = std::chrono::steady_clock::now();
  const DemoModelResult result = write_demo_model(o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("qwen2.5-0.5b preset written in " << seconds << " s");
  CHECK(result.warnings.empty());

  // Same values as the published files (the comparison is on parsed JSON values).
  CHECK(json::parse(read_file(o.out_dir / "config.json")) == json::parse(read_file(*fixture / "config.json")));
  CHECK(json::parse(read_file(o.out_dir / "generation_config.json")) ==
        json::parse(read_file(*fixture / "generation_config.json")));
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt"}) {
    CAPTURE(name);
    CHECK(read_file(o.out_dir / name) == read_file(*fixture / name));
  }

  const ModelDir model = open_model_dir(o.out_dir);
  CHECK(model.weights.tensors().size() == 290);
  CHECK(model.weights.num_parameters() == 494'032'768);
  CHECK(model.weights.data_size_bytes() == 988'065'536);
  CHECK(model.weights.find("lm_head.weight").info == nullptr);
  CHECK(model.weights.files().front()->header().metadata.at("format") == "pt");
  const auto summary = model_summary_json(model);
  CHECK(summary["num_tensors"] == 290);
  CHECK(summary["num_parameters"] == 494'032'768);
  CHECK(summary["dtype"] == "BF16");
}
