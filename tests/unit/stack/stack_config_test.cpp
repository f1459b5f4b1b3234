// StackConfig: defaults, the TOML keys, the .env layer, flags, and errors that name the
// key and the fix.
#include "cli/stack/stack_config.h"
#include "tests/unit/fake_system.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

using namespace vllmctl;

namespace {

StackConfig load_toml(const std::string& toml, test::FakeSystem& sys, StackFlags flags = {}) {
  test::TempDir dir;
  const auto path = dir / "vllmctl.toml";
  test::write_file(path, toml);
  return load_stack_config(path, flags, sys);
}

std::string error_of(const std::string& toml, StackFlags flags = {}) {
  test::FakeSystem sys;
  try {
    load_toml(toml, sys, flags);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("defaults: one target on this host, the issue's ports and retention") {
  test::FakeSystem sys;
  sys.env["HOME"] = "/home/ada";
  const StackConfig c = load_stack_config(std::nullopt, {}, sys);
  CHECK(c.directory == "/home/ada/.local/share/vllmctl/stack");
  CHECK(c.runtime == "auto");
  CHECK(c.scrape_interval == "15s");
  CHECK(c.long_term_retention == "12mo");
  CHECK(c.bind == "127.0.0.1");
  CHECK(c.prometheus_port == 9090);
  CHECK(c.grafana_port == 3000);
  CHECK(c.victoriametrics_port == 8428);
  REQUIRE(c.targets.size() == 1);
  CHECK(c.targets[0].url == "http://host.docker.internal:8000");
  CHECK(c.targets[0].port == 8000);
  CHECK(c.targets[0].metrics_path == "/metrics");
  CHECK(victoriametrics_retention(c.long_term_retention) == "12");
}

TEST_CASE("the TOML keys of the issue, targets with labels and auth, the vllm service") {
  test::FakeSystem sys;
  const StackConfig c = load_toml(R"(
[stack]
directory = "/srv/stack"
runtime = "native"
scrape_interval = "5s"
long_term_retention = "1y"
bind = "0.0.0.0"
prometheus_port = 19090
[stack.alerts]
ttft_p95_seconds = 0.5
[[stack.targets]]
name = "a"
url = "https://gpu-a:8443/custom/metrics"
labels = { model = "qwen" }
bearer_token_file = "/etc/token"
[[stack.targets]]
name = "b"
url = "http://10.0.0.2"
[vllm]
model = "Qwen/Qwen2.5-7B-Instruct"
)", sys);
  CHECK(c.directory == "/srv/stack");
  CHECK(c.runtime == "native");
  CHECK(c.prometheus_port == 19090);
  CHECK(c.alerts.ttft_p95_seconds == doctest::Approx(0.5));
  REQUIRE(c.targets.size() == 2);
  CHECK(c.targets[0].scheme == "https");
  CHECK(c.targets[0].host == "gpu-a");
  CHECK(c.targets[0].port == 8443);
  CHECK(c.targets[0].metrics_path == "/custom/metrics");
  CHECK(c.targets[0].labels.at("model") == "qwen");
  CHECK(c.targets[1].port == 80);
  CHECK(c.vllm.model == "Qwen/Qwen2.5-7B-Instruct");
  CHECK(victoriametrics_retention(c.long_term_retention) == "1y");
}

TEST_CASE(".env and the environment: the seed guide's variables; flags win") {
  test::FakeSystem sys;
  sys.files[".env"] = "# seed guide\nVLLM_PORT=8001\nVLLM_MODEL='meta-llama/Llama-3.1-8B'\nHF_TOKEN=hf_x\n"
                      "export VLLM_MAX_MODEL_LEN=2048\n";
  sys.env["VLLM_MAX_MODEL_LEN"] = "8192";  // the environment beats the file
  StackConfig c = load_stack_config(std::nullopt, {}, sys);
  CHECK(c.vllm.port == 8001);
  CHECK(c.vllm.model == "meta-llama/Llama-3.1-8B");
  CHECK(c.vllm.hf_token == "hf_x");
  CHECK(c.vllm.max_model_len == 8192);
  CHECK(c.targets.at(0).url == "http://host.docker.internal:8001");

  StackFlags flags;
  flags.targets = {"http://127.0.0.1:9000", "http://127.0.0.1:9001"};
  flags.runtime = "native";
  c = load_stack_config(std::nullopt, flags, sys);
  CHECK(c.runtime == "native");
  REQUIRE(c.targets.size() == 2);
  CHECK(c.targets[1].name == "target2");

  sys.env["VLLM_PORT"] = "eighty";
  CHECK_THROWS_WITH_AS(load_stack_config(std::nullopt, {}, sys), "VLLM_PORT: 'eighty' is not a number", std::runtime_error);
}

TEST_CASE("bad config: the key, the problem and the fix") {
  auto has = [](const std::string& error, const char* part) {
    INFO(error);
    CHECK(error.find(part) != std::string::npos);
  };
  has(error_of("[stack]\nretension = \"1y\"\n"), "stack.retension: unknown key; valid keys in [stack]: directory, runtime");
  has(error_of("[stack]\nlong_term_retention = \"12 parsecs\"\n"),
      "stack.long_term_retention: '12 parsecs' is not a retention period; write months as \"12mo\"");
  has(error_of("[stack]\nscrape_interval = \"15 seconds\"\n"), "stack.scrape_interval: '15 seconds' is not a duration");
  has(error_of("[[stack.targets]]\nname = \"a\"\nurl = \"localhost:8000\"\n"),
      "stack.targets[0].url: 'localhost:8000' is not an http(s) URL; write it like \"http://127.0.0.1:8000\"");
  has(error_of("[[stack.targets]]\nname = \"a\"\nurl = \"http://h:1\"\n[[stack.targets]]\nname = \"a\"\nurl = \"http://h:2\"\n"),
      "stack.targets[1].name: 'a' is used twice");
  has(error_of("[[stack.targets]]\nname = \"a\"\nurl = \"http://h:1\"\nlabels = { job = \"x\" }\n"),
      "stack.targets[0].labels.job: not a usable label name");
  has(error_of("[[stack.targets]]\nname = \"a\"\nurl = \"http://h:1\"\nsecret = 1\n"),
      "stack.targets[0].secret: unknown key");
  has(error_of("[stack]\nprometheus_port = 3000\n"), "stack.grafana_port: port 3000 is used twice");
  has(error_of("[stack]\nruntime = \"podman\"\n"), "'podman' is not a runtime; use auto, docker or native");
  has(error_of("[stack]\nbind = \"localhost\"\n"), "stack.bind: 'localhost' is not an IP address");
  has(error_of("[stack]\nruntime = \"native\"\n[vllm]\nenabled = true\n"), "vllm.enabled: the containerized vLLM service needs the docker runtime");
  has(error_of("[stack]\nprometheus_port = \"9090\"\n"), "stack.prometheus_port: expected an integer");
  has(error_of("[stack\n"), "invalid TOML");
  StackFlags flags;
  flags.targets = {"ftp://x"};
  has(error_of("", flags), "'ftp://x' is not an http(s) URL");
}
