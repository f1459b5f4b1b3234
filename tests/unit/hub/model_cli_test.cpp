// The real binary: `vllmctl model pull` against the local hub (HF_ENDPOINT, HF_HOME from
// the environment), then `vllmctl model ls`, and the one-line errors.
#include "tests/unit/hub/hub_fixture.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <sys/wait.h>

namespace fs = std::filesystem;
using vllmctl::test::HubFixture;
using vllmctl::test::read_file;

namespace {

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs vllmctl with a clean hub environment plus `env` ("NAME=value ..."), at most 60 s.
Run run_vllmctl(const HubFixture& f, const std::string& env, const std::string& args) {
  const fs::path out = f.tmp / "stdout.txt";
  const fs::path err = f.tmp / "stderr.txt";
  const std::string command = fmt::format(
      "env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN -u HF_HUB_CACHE -u HUGGINGFACE_HUB_CACHE "
      "-u HF_HUB_OFFLINE -u TRANSFORMERS_OFFLINE HF_HOME='{}' HF_ENDPOINT='{}/' {} "
      "timeout 60 '{}' {} > '{}' 2> '{}' < /dev/null",
      (f.tmp / "hf-home").string(), f.hub.endpoint(), env,
      vllmctl::test::vllmctl_binary().string(), args, out.string(), err.string());
  const int status = std::system(command.c_str());
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace

TEST_CASE("vllmctl model pull, then model ls") {
  HubFixture f;
  const Run pull = run_vllmctl(f, "", "model pull org/tiny");
  INFO(pull.err);
  REQUIRE(pull.exit_code == 0);
  const fs::path snapshot = f.tmp / "hf-home" / "hub" / "models--org--tiny" / "snapshots" / f.commit;
  CHECK(pull.out == snapshot.string() + "\n");
  CHECK(pull.err.find("downloading model.safetensors") != std::string::npos);  // not a tty
  CHECK(read_file(snapshot / "model.safetensors") == f.weights);

  f.hub.clear_requests();
  const Run again = run_vllmctl(f, "HF_HUB_OFFLINE=1", "model pull org/tiny");
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("already in the cache") != std::string::npos);
  CHECK(f.hub.num_requests() == 0);

  const Run ls = run_vllmctl(f, "", "model ls --json");
  REQUIRE(ls.exit_code == 0);
  const auto listing = nlohmann::json::parse(ls.out);
  REQUIRE(listing["repos"].size() == 1);
  const auto& repo = listing["repos"][0];
  CHECK(repo["repo_id"] == "org/tiny");
  CHECK(repo["size_on_disk_bytes"].get<uint64_t>() > f.weights.size());
  REQUIRE(repo["revisions"].size() == 1);
  CHECK(repo["revisions"][0]["commit"] == f.commit);
  CHECK(repo["revisions"][0]["refs"] == nlohmann::json::array({"main"}));
  CHECK(repo["revisions"][0]["complete"] == true);
  CHECK(repo["revisions"][0]["num_files"] == 6);

  const Run table = run_vllmctl(f, "", "model ls");
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("org/tiny") != std::string::npos);
  CHECK(table.out.find("complete") != std::string::npos);
  CHECK(table.out.find(f.commit.substr(0, 12)) != std::string::npos);
}

TEST_CASE("vllmctl model pull errors are one line with the fix") {
  HubFixture f;
  const Run missing = run_vllmctl(f, "", "model pull org/missing");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.rfind("vllmctl: error: repository not found: org/missing", 0) == 0);
  CHECK(std::count(missing.err.begin(), missing.err.end(), '\n') == 1);

  const Run offline = run_vllmctl(f, "HF_HUB_OFFLINE=yes", "model pull org/tiny");
  CHECK(offline.exit_code == 1);
  CHECK(offline.err.find("HF_HUB_OFFLINE") != std::string::npos);
  CHECK(f.hub.requests_to("/org/tiny").empty());

  const Run cache_dir = run_vllmctl(
      f, "", fmt::format("model pull org/tiny --revision refs/pr/1 --cache-dir '{}'",
                         (f.tmp / "custom").string()));
  CHECK(cache_dir.exit_code == 0);
  CHECK(fs::exists(f.tmp / "custom" / "models--org--tiny" / "refs" / "refs" / "pr" / "1"));
}
