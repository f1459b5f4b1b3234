// Regression (doctor_live, two servers on a fresh cache): a second writer of the built-in
// demo model deleted the copy the first was loading. publish_staged_model must leave a
// complete model in place and drop its own staging copy.
#include "cli/common/builtin_model.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

using namespace vllmctl;
namespace fs = std::filesystem;

namespace {

void fake_model(const fs::path& dir, const std::string& marker) {
  fs::create_directories(dir);
  test::write_file(dir / "model.safetensors", marker);
  test::write_file(dir / "tokenizer_config.json", "{}");
}

}  // namespace

TEST_CASE("demo model race: a published model is never replaced under a reader") {
  test::TempDir tmp;
  const fs::path dir = tmp / "demo-model";
  fake_model(tmp / "staging-a", "a");
  publish_staged_model(tmp / "staging-a", dir);
  CHECK(test::read_file(dir / "model.safetensors") == "a");
  CHECK_FALSE(fs::exists(tmp / "staging-a"));

  fake_model(tmp / "staging-b", "b");  // the loser of the race
  publish_staged_model(tmp / "staging-b", dir);
  CHECK(test::read_file(dir / "model.safetensors") == "a");  // untouched
  CHECK_FALSE(fs::exists(tmp / "staging-b"));
}

TEST_CASE("demo model race: an incomplete leftover is replaced") {
  test::TempDir tmp;
  const fs::path dir = tmp / "demo-model";
  fs::create_directories(dir);
  test::write_file(dir / "model.safetensors", "half");  // no tokenizer_config.json
  fake_model(tmp / "staging", "new");
  publish_staged_model(tmp / "staging", dir);
  CHECK(test::read_file(dir / "model.safetensors") == "new");
  CHECK(fs::exists(dir / "tokenizer_config.json"));
}
