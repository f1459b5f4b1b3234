// HubClient::pull against a local hub speaking the real protocol: the cache layout,
// cache-first behaviour, offline mode, auth, errors, and revision encoding.
#include "engine/model/hub_client.h"
#include "engine/model/hub_snapshot_check.h"
#include "tests/unit/hub/hub_fixture.h"

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using vllmctl::HubClient;
using vllmctl::test::FakeHub;
using vllmctl::test::HubFixture;
using vllmctl::test::read_file;

namespace {

std::string error_of(HubClient& client, const std::string& repo, const std::string& rev = "main") {
  try {
    client.pull(repo, rev);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a pull into an empty cache builds the huggingface_hub layout") {
  HubFixture f;
  HubClient client(f.settings());
  const auto result = client.pull(f.repo_id, "main");

  CHECK_FALSE(result.from_cache);
  CHECK(result.commit == f.commit);
  CHECK(result.snapshot_dir == f.repo_dir() / "snapshots" / f.commit);
  CHECK(read_file(f.repo_dir() / "refs" / "main") == f.commit);  // no newline

  // LFS file: blob named by sha256, relative link from the snapshot.
  const fs::path weights_link = result.snapshot_dir / "model.safetensors";
  REQUIRE(fs::is_symlink(weights_link));
  CHECK(fs::read_symlink(weights_link) == fs::path("../../blobs/" + f.weights_sha()));
  CHECK(read_file(f.repo_dir() / "blobs" / f.weights_sha()) == f.weights);
  CHECK(read_file(weights_link) == f.weights);

  // Regular file: blob named by the git blob sha1 (its ETag).
  const std::string config_etag = FakeHub::git_blob_sha1_hex(f.config);
  CHECK(fs::read_symlink(result.snapshot_dir / "config.json") ==
        fs::path("../../blobs/" + config_etag));
  CHECK(read_file(f.repo_dir() / "blobs" / config_etag) == f.config);

  // A file in a sub-folder links one level further up.
  const fs::path nested = result.snapshot_dir / "additional_chat_templates" / "tool_use.jinja";
  CHECK(fs::read_symlink(nested) ==
        fs::path("../../../blobs/" + FakeHub::git_blob_sha1_hex(f.template_text)));
  CHECK(read_file(nested) == f.template_text);

  // Only the files a server needs; nothing half-written left behind.
  const std::vector<std::string> expected = {"additional_chat_templates/tool_use.jinja",
                                             "config.json",
                                             "generation_config.json",
                                             "model.safetensors",
                                             "tokenizer.json",
                                             "tokenizer_config.json"};
  CHECK(result.files == expected);
  CHECK(result.downloaded_bytes > f.weights.size());
  for (const auto& entry : fs::directory_iterator(f.repo_dir() / "blobs")) {
    CHECK(entry.path().extension() != ".incomplete");
  }
  CHECK(vllmctl::check_snapshot(result.snapshot_dir).complete);

  // The protocol: one listing, a HEAD per file at the commit, the LFS bytes from the CDN.
  CHECK(f.hub.requests_to("/api/models/org/tiny/revision/main").size() == 1);
  size_t heads = 0;
  for (const auto& r : f.hub.requests()) {
    if (r.method == "HEAD") {
      ++heads;
      CHECK(contains(r.target, "/org/tiny/resolve/" + f.commit + "/"));
    }
  }
  CHECK(heads == expected.size());
  CHECK(f.hub.requests_to("/cdn/" + f.weights_sha()).size() == 1);
}

TEST_CASE("a second pull of a complete model makes no request") {
  HubFixture f;
  HubClient(f.settings()).pull(f.repo_id, "main");
  f.hub.clear_requests();

  HubClient again(f.settings());
  const auto by_name = again.pull(f.repo_id, "main");
  CHECK(by_name.from_cache);
  CHECK(by_name.commit == f.commit);
  const auto by_commit = again.pull(f.repo_id, f.commit);
  CHECK(by_commit.from_cache);
  CHECK(by_commit.snapshot_dir == by_name.snapshot_dir);
  CHECK(f.hub.num_requests() == 0);

  // An incomplete snapshot (a weight link gone) is not trusted: the pull goes online again
  // and only the missing link's blob is already there, so no bytes are fetched.
  fs::remove(by_name.snapshot_dir / "model.safetensors");
  const auto repaired = again.pull(f.repo_id, "main");
  CHECK_FALSE(repaired.from_cache);
  CHECK(repaired.downloaded_bytes == 0);
  CHECK(f.hub.num_requests() > 0);
  CHECK(f.hub.requests_to("/cdn/").empty());
}

TEST_CASE("offline: a cached model resolves, a missing one fails clearly, no request either way") {
  HubFixture f;
  HubClient(f.settings()).pull(f.repo_id, "main");
  f.hub.clear_requests();

  auto settings = f.settings();
  settings.offline = true;
  HubClient offline(settings);
  CHECK(offline.pull(f.repo_id, "main").commit == f.commit);

  const std::string missing = error_of(offline, "org/other");
  CHECK(contains(missing, "org/other"));
  CHECK(contains(missing, "HF_HUB_OFFLINE"));
  CHECK(contains(missing, "is not in the cache"));
  const std::string unknown_rev = error_of(offline, f.repo_id, "refs/pr/1");
  CHECK(contains(unknown_rev, "HF_HUB_OFFLINE"));
  CHECK(f.hub.num_requests() == 0);
}

TEST_CASE("a gated repo: 401 without a token, the token sent as a Bearer header, 403 for a wrong one") {
  HubFixture f;
  vllmctl::test::FakeRepo gated;
  gated.commits[f.commit].files["config.json"] = {f.config};
  gated.commits[f.commit].files["model.safetensors"] = {f.weights, true};
  gated.refs["main"] = f.commit;
  gated.gated = true;
  f.hub.add_repo("org/gated", gated);
  f.hub.set_token("hf_good");

  HubClient anonymous(f.settings());
  const std::string denied = error_of(anonymous, "org/gated");
  CHECK(contains(denied, "access denied"));
  CHECK(contains(denied, "set HF_TOKEN (gated or private model)"));
  CHECK_FALSE(fs::exists(f.tmp.path() / "hub" / "models--org--gated" / "refs" / "main"));

  auto wrong = f.settings();
  wrong.token = "hf_wrong";
  HubClient wrong_client(wrong);
  const std::string forbidden = error_of(wrong_client, "org/gated");
  CHECK(contains(forbidden, "access denied"));
  CHECK(contains(forbidden, "token"));

  f.hub.clear_requests();
  auto good = f.settings();
  good.token = "hf_good";
  HubClient client(good);
  CHECK(client.pull("org/gated").commit == f.commit);
  for (const auto& r : f.hub.requests()) {
    if (r.target.rfind("/cdn/", 0) != 0) CHECK(r.authorization == "Bearer hf_good");
  }
}

TEST_CASE("404s: a missing repo, a missing revision, a missing file") {
  HubFixture f;
  HubClient client(f.settings());
  const std::string repo = error_of(client, "org/missing");
  CHECK(contains(repo, "repository not found: org/missing"));
  const std::string rev = error_of(client, f.repo_id, "no-such-branch");
  CHECK(contains(rev, "revision not found"));
  CHECK(contains(rev, "no-such-branch"));
  try {
    client.file_metadata(f.repo_id, "main", "nope.json");
    FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    CHECK(contains(e.what(), "file not found: nope.json"));
  }
  CHECK_FALSE(fs::exists(f.tmp.path() / "hub" / "models--org--missing" / "refs"));
}

TEST_CASE("revision names with '/' are percent-encoded, and refs/ nests them") {
  HubFixture f;
  HubClient client(f.settings());
  const auto result = client.pull(f.repo_id, "refs/pr/1");
  CHECK(result.commit == f.pr_commit);
  CHECK(f.hub.requests_to("/api/models/org/tiny/revision/refs%2Fpr%2F1").size() == 1);
  CHECK(read_file(f.repo_dir() / "refs" / "refs" / "pr" / "1") == f.pr_commit);
  CHECK(read_file(result.snapshot_dir / "config.json") == f.pr_config);
  // File paths keep their '/' (a HEAD, then the GET of this small file).
  const auto nested = f.hub.requests_to("/org/tiny/resolve/" + f.pr_commit +
                                        "/additional_chat_templates/tool_use.jinja");
  REQUIRE(nested.size() == 2);
  CHECK(nested[0].method == "HEAD");
  CHECK(nested[1].method == "GET");
  // The weights are shared with main's snapshot through the same blob.
  const auto main = client.pull(f.repo_id, "main");
  CHECK_FALSE(main.from_cache);
  CHECK(main.downloaded_bytes < f.weights.size());
}

TEST_CASE("file metadata: relative redirects are followed, absolute ones give the Location") {
  HubFixture f;
  f.hub.add_rename("old-org/tiny", "org/tiny");
  HubClient client(f.settings());
  const auto meta = client.file_metadata("old-org/tiny", "main", "model.safetensors");
  CHECK(meta.commit == f.commit);
  CHECK(meta.etag == f.weights_sha());  // X-Linked-Etag wins over ETag, quotes dropped
  CHECK(meta.size_known);
  CHECK(meta.size_bytes == f.weights.size());
  CHECK(meta.location == f.hub.endpoint() + "/cdn/" + f.weights_sha());
  CHECK(f.hub.requests_to("/old-org/tiny/resolve/main/model.safetensors").size() == 1);
  CHECK(f.hub.requests_to("/org/tiny/resolve/main/model.safetensors").size() == 1);
  CHECK(f.hub.requests_to("/cdn/").empty());  // HEAD does not follow the CDN redirect

  const auto config = client.file_metadata(f.repo_id, "main", "config.json");
  CHECK(config.etag == FakeHub::git_blob_sha1_hex(f.config));
  CHECK(config.size_bytes == f.config.size());
  CHECK(config.location == f.hub.endpoint() + "/org/tiny/resolve/main/config.json");
}

TEST_CASE("503s from the hub are retried") {
  HubFixture f;
  f.hub.fail_api(2);
  HubClient client(f.settings());
  CHECK(client.pull(f.repo_id).commit == f.commit);
  CHECK(f.hub.requests_to("/api/models/").size() == 3);

  HubFixture g;
  g.hub.fail_api(10);
  HubClient give_up(g.settings());
  const std::string error = error_of(give_up, g.repo_id);
  CHECK(contains(error, "HTTP 503"));
  CHECK(contains(error, "try again later"));
  CHECK(g.hub.requests_to("/api/models/").size() == 3);  // max_attempts
}

TEST_CASE("an unreachable endpoint names the URL") {
  vllmctl::test::TempDir tmp;
  vllmctl::HubSettings s;
  {
    FakeHub gone;  // a port that was just free and is closed again
    s.endpoint = gone.endpoint();
  }
  s.cache_dir = tmp.path() / "hub";
  s.max_attempts = 2;
  s.retry_backoff_ms = 10;
  s.etag_timeout_ms = 2'000;
  HubClient client(s);
  const std::string error = error_of(client, "org/tiny");
  CHECK(contains(error, "network error: cannot reach " + s.endpoint + "/api/models/org/tiny"));
}
