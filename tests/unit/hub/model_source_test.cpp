// resolve_model_source: local folders as they are, hub ids through the cache.
#include "engine/model/model_source.h"
#include "tests/unit/hub/hub_fixture.h"

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using vllmctl::ModelSourceOptions;
using vllmctl::resolve_model_source;
using vllmctl::test::HubFixture;

TEST_CASE("a local directory is used as it is, with no request") {
  HubFixture f;
  const fs::path dir = f.tmp / "my-model";
  fs::create_directories(dir);
  const auto local = resolve_model_source(dir.string(), {}, f.settings());
  CHECK(local.dir == fs::absolute(dir));
  CHECK(local.repo_id.empty());
  CHECK_FALSE(local.downloaded);
  CHECK(f.hub.num_requests() == 0);

  CHECK_THROWS_WITH_AS(resolve_model_source((f.tmp / "missing").string(), {}, f.settings()),
                       doctest::Contains("model directory not found"), std::runtime_error);
  CHECK_THROWS_WITH_AS(resolve_model_source("./nope", {}, f.settings()),
                       doctest::Contains("model directory not found"), std::runtime_error);
  CHECK_THROWS_WITH_AS(resolve_model_source("not/a/repo", {}, f.settings()),
                       doctest::Contains("invalid model id"), std::runtime_error);
}

TEST_CASE("a hub id resolves to its snapshot, downloading once into download_dir") {
  HubFixture f;
  ModelSourceOptions options;
  options.download_dir = f.tmp / "elsewhere";
  int progress_events = 0;
  options.progress = [&](const vllmctl::PullProgress&) { ++progress_events; };
  const auto first = resolve_model_source(f.repo_id, options, f.settings());
  CHECK(first.downloaded);
  CHECK(first.commit == f.commit);
  CHECK(first.dir == f.tmp / "elsewhere" / "models--org--tiny" / "snapshots" / f.commit);
  CHECK(fs::exists(first.dir / "config.json"));
  CHECK(progress_events > 0);

  f.hub.clear_requests();
  auto offline = f.settings();
  offline.offline = true;
  const auto second = resolve_model_source(f.repo_id, options, offline);
  CHECK_FALSE(second.downloaded);
  CHECK(second.dir == first.dir);
  CHECK(f.hub.num_requests() == 0);

  options.revision = "refs/pr/1";
  CHECK_THROWS_WITH_AS(resolve_model_source(f.repo_id, options, offline),
                       doctest::Contains("HF_HUB_OFFLINE"), std::runtime_error);
}
