// Blob downloads against the local hub: resume after a dropped connection (in one
// pull and across pulls), a server that ignores Range, a corrupted body, the CDN on
// another host, and progress events.
#include "engine/model/hub_client.h"
#include "engine/model/hub_snapshot_check.h"
#include "tests/unit/hub/hub_fixture.h"

#include <doctest/doctest.h>

#include <fstream>

namespace fs = std::filesystem;
using vllmctl::HubClient;
using vllmctl::PullProgress;
using vllmctl::test::FakeHub;
using vllmctl::test::HubFixture;
using vllmctl::test::read_file;

TEST_CASE("a connection dropped mid-file is resumed with Range and verified") {
  HubFixture f;
  f.hub.drop_after(f.weights_sha(), 70'000, 1);
  HubClient client(f.settings());
  std::vector<std::string> retries;
  const auto result = client.pull(f.repo_id, "main", [&](const PullProgress& p) {
    if (p.event == PullProgress::Event::kRetry) retries.push_back(p.message);
  });
  const auto cdn = f.hub.requests_to("/cdn/" + f.weights_sha());
  REQUIRE(cdn.size() == 2);
  CHECK(cdn[0].range.empty());
  CHECK(cdn[1].range == "bytes=70000-");
  CHECK(read_file(result.snapshot_dir / "model.safetensors") == f.weights);
  CHECK(retries.size() == 1);
  CHECK(FakeHub::sha256_hex(read_file(f.repo_dir() / "blobs" / f.weights_sha())) ==
        f.weights_sha());
}

TEST_CASE("a partial download left by a failed pull is resumed by the next one") {
  HubFixture f;
  f.hub.drop_after(f.weights_sha(), 123'456, 1);
  auto once = f.settings();
  once.max_attempts = 1;
  HubClient impatient(once);
  try {
    impatient.pull(f.repo_id);
    FAIL("expected the dropped connection to fail the pull");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("model.safetensors") != std::string::npos);
  }
  const fs::path partial = f.repo_dir() / "blobs" / (f.weights_sha() + ".incomplete");
  REQUIRE(fs::exists(partial));
  CHECK(fs::file_size(partial) == 123'456);
  CHECK_FALSE(fs::exists(f.repo_dir() / "blobs" / f.weights_sha()));
  CHECK_FALSE(fs::exists(f.repo_dir() / "refs" / "main"));

  f.hub.clear_requests();
  HubClient client(f.settings());
  const auto result = client.pull(f.repo_id);
  const auto cdn = f.hub.requests_to("/cdn/");
  REQUIRE(cdn.size() == 1);
  CHECK(cdn[0].range == "bytes=123456-");
  CHECK(result.downloaded_bytes == f.weights.size() - 123'456);
  CHECK(read_file(result.snapshot_dir / "model.safetensors") == f.weights);
  CHECK_FALSE(fs::exists(partial));
}

TEST_CASE("a 200 answer to a Range request restarts the file from zero") {
  HubFixture f;
  f.hub.ignore_range(f.weights_sha());
  const fs::path partial = f.repo_dir() / "blobs" / (f.weights_sha() + ".incomplete");
  vllmctl::test::write_file(partial, f.weights.substr(0, 1000));
  HubClient client(f.settings());
  const auto result = client.pull(f.repo_id);
  const auto cdn = f.hub.requests_to("/cdn/");
  REQUIRE(cdn.size() == 1);
  CHECK(cdn[0].range == "bytes=1000-");
  CHECK(read_file(result.snapshot_dir / "model.safetensors") == f.weights);
}

TEST_CASE("a corrupted download is rejected and never reaches blobs/") {
  HubFixture f;
  f.hub.corrupt(f.weights_sha());
  HubClient client(f.settings());
  std::string error;
  try {
    client.pull(f.repo_id);
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  CHECK(error.find("checksum mismatch for model.safetensors") != std::string::npos);
  CHECK(error.find(f.weights_sha()) != std::string::npos);
  CHECK_FALSE(fs::exists(f.repo_dir() / "blobs" / f.weights_sha()));
  CHECK_FALSE(fs::exists(f.repo_dir() / "blobs" / (f.weights_sha() + ".incomplete")));
  CHECK_FALSE(fs::exists(f.repo_dir() / "snapshots" / f.commit / "model.safetensors"));
  CHECK_FALSE(fs::exists(f.repo_dir() / "refs" / "main"));
}

TEST_CASE("the token goes to the hub's host only, never to a CDN on another host") {
  HubFixture f;
  auto settings = f.settings();
  settings.token = "hf_secret";

  SUBCASE("CDN on another host (localhost vs 127.0.0.1)") {
    f.hub.set_cdn_host("localhost");
    HubClient(settings).pull(f.repo_id);
    const auto cdn = f.hub.requests_to("/cdn/");
    REQUIRE(cdn.size() == 1);
    CHECK(cdn[0].host == "localhost:" + std::to_string(f.hub.port()));
    CHECK(cdn[0].authorization.empty());
  }
  SUBCASE("CDN on the hub's own host") {
    HubClient(settings).pull(f.repo_id);
    const auto cdn = f.hub.requests_to("/cdn/");
    REQUIRE(cdn.size() == 1);
    CHECK(cdn[0].authorization == "Bearer hf_secret");
  }
  for (const auto& r : f.hub.requests_to("/org/tiny/resolve/")) {
    CHECK(r.authorization == "Bearer hf_secret");
  }
}

TEST_CASE("a sharded checkpoint is complete only with every shard its index names") {
  HubFixture f;
  const std::string commit = vllmctl::test::fake_commit("sharded");
  vllmctl::test::FakeRepo repo;
  auto& files = repo.commits[commit].files;
  files["config.json"] = {f.config};
  files["model-00001-of-00002.safetensors"] = {vllmctl::test::fake_bytes(5000, 7), true};
  files["model-00002-of-00002.safetensors"] = {vllmctl::test::fake_bytes(6000, 8), true};
  files["model.safetensors.index.json"] = {
      R"({"weight_map": {"a": "model-00001-of-00002.safetensors",
                         "b": "model-00002-of-00002.safetensors"}})"};
  files["pytorch_model.bin"] = {vllmctl::test::fake_bytes(100, 9), true};
  repo.refs["main"] = commit;
  f.hub.add_repo("org/sharded", repo);

  HubClient client(f.settings());
  std::vector<std::string> started;
  uint64_t last_done = 0, total = 0;
  const auto result = client.pull("org/sharded", "main", [&](const PullProgress& p) {
    if (p.event == PullProgress::Event::kFileStart) started.push_back(p.file);
    if (p.event == PullProgress::Event::kResolved) total = p.total_bytes;
    last_done = p.done_bytes;
  });
  // Support files, then the index, then the shards; no .bin beside safetensors.
  const std::vector<std::string> order = {"config.json", "model.safetensors.index.json",
                                          "model-00001-of-00002.safetensors",
                                          "model-00002-of-00002.safetensors"};
  CHECK(started == order);
  CHECK(total == result.size_bytes);
  CHECK(last_done == total);
  CHECK(vllmctl::check_snapshot(result.snapshot_dir).complete);

  fs::remove(result.snapshot_dir / "model-00002-of-00002.safetensors");
  const auto check = vllmctl::check_snapshot(result.snapshot_dir);
  CHECK_FALSE(check.complete);
  CHECK(check.problem.find("model-00002-of-00002.safetensors") != std::string::npos);
}
