// Rendering: golden files for a few configs, determinism, the docker/native views of the
// same targets, and the hand-edit protection of write_stack_files.
#include "cli/stack/stack_render.h"
#include "tests/unit/fake_system.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace vllmctl;
namespace fs = std::filesystem;

namespace {

StackConfig config_from(const std::string& toml) {
  test::FakeSystem sys;
  sys.env["HOME"] = "/home/ada";
  test::TempDir dir;
  std::optional<fs::path> path;
  if (!toml.empty()) {
    path = dir / "vllmctl.toml";
    test::write_file(*path, toml);
  }
  return load_stack_config(path, {}, sys);
}

const char* kFull = R"(
[stack]
directory = "/srv/stack"
scrape_interval = "5s"
bind = "0.0.0.0"
dcgm_exporter = true
[stack.alerts]
ttft_p95_seconds = 1.5
kv_cache_usage = 0.85
queue_waiting = 4
[[stack.targets]]
name = "gpu-a"
url = "https://gpu-a.example.com:8443/metrics"
labels = { model = "qwen", environment = "prod" }
bearer_token_file = "/etc/vllmctl/token"
tls_ca_file = "/etc/ssl/ca.pem"
[[stack.targets]]
name = "gpu-b"
url = "http://10.0.0.7:8000"
basic_auth_user = "prom"
basic_auth_password_file = "/etc/vllmctl/pw"
[vllm]
enabled = true
model = "Qwen/Qwen2.5-7B-Instruct"
gpus = "2"
hf_token_file = "/etc/vllmctl/hf_token"
extra_args = ["--enable-prefix-caching"]
)";

// Compares the rendered templates (dashboards are copied verbatim and not repeated here)
// with tests/unit/stack/golden/NAME; VLLMCTL_UPDATE_GOLDEN=1 rewrites them.
void check_golden(const std::string& name, const std::vector<RenderedFile>& files) {
  const fs::path golden = test::source_dir() / "tests" / "unit" / "stack" / "golden" / name;
  const bool update = std::getenv("VLLMCTL_UPDATE_GOLDEN") != nullptr;
  for (const RenderedFile& f : files) {
    if (f.path.parent_path() == "grafana/dashboards") continue;
    const fs::path want = golden / f.path;
    if (update) {
      fs::create_directories(want.parent_path());
      test::write_file(want, f.content);
      continue;
    }
    INFO("golden file ", want.string(), " (VLLMCTL_UPDATE_GOLDEN=1 rewrites it after a deliberate change)");
    REQUIRE(fs::exists(want));
    CHECK(test::read_file(want) == f.content);
  }
}

}  // namespace

TEST_CASE("golden: the default config, docker and native") {
  const StackConfig c = config_from("");
  check_golden("default-docker", render_stack(c, "docker", c.directory));
  check_golden("default-native", render_stack(c, "native", "/stack"));
}

TEST_CASE("golden: targets with auth and TLS, alert thresholds, the vllm service and dcgm") {
  const StackConfig c = config_from(kFull);
  check_golden("full-docker", render_stack(c, "docker", c.directory));
}

// (Determinism is the golden files' job: they compare exact bytes.)
TEST_CASE("rendering maps host.docker.internal natively") {
  const StackConfig c = config_from("");
  const auto a = render_stack(c, "native", "/stack");
  auto find = [](const std::vector<RenderedFile>& files, const char* path) {
    for (const auto& f : files) {
      if (f.path == path) return f.content;
    }
    FAIL("no " << path);
    return std::string();
  };
  CHECK(find(a, "prometheus/prometheus.yml").find("\"127.0.0.1:8000\"") != std::string::npos);
  const auto docker = render_stack(c, "docker", c.directory);
  CHECK(find(docker, "prometheus/prometheus.yml").find("\"host.docker.internal:8000\"") != std::string::npos);
  CHECK(find(docker, "docker-compose.yml").find("host.docker.internal:host-gateway") != std::string::npos);
  CHECK(find(docker, "docker-compose.yml").find("disable-log-stats") == std::string::npos);
  // Both dashboards ship, byte for byte.
  CHECK(find(docker, "grafana/dashboards/vllm-overview.json").find("\"uid\": \"vllmctl-overview\"") != std::string::npos);
  CHECK(find(docker, "grafana/dashboards/vllm-fleet.json").find("\"uid\": \"vllmctl-fleet\"") != std::string::npos);
}

TEST_CASE("writing: hand edits are kept unless forced; the password is made once, 0600") {
  test::FakeSystem sys;
  const StackConfig c = config_from("");
  const fs::path dir = "/stack";
  const auto files = render_stack(c, "native", dir);

  WriteResult w = write_stack_files(files, c, dir, false, sys);
  CHECK(w.changed.size() == files.size());
  CHECK(w.secret_created);
  const std::string password = sys.files.at(dir / "secrets/grafana_admin_password");
  CHECK(password.size() == 25);
  CHECK(sys.modes.at(dir / "secrets/grafana_admin_password") == 0600);

  w = write_stack_files(files, c, dir, false, sys);  // unchanged: nothing written
  CHECK(w.changed.empty());
  CHECK_FALSE(w.secret_created);
  CHECK(sys.files.at(dir / "secrets/grafana_admin_password") == password);

  // A hand edit, then a config change: refused, and nothing at all is written.
  sys.files[dir / "prometheus/prometheus.yml"] += "# mine\n";
  StackConfig changed = c;
  changed.scrape_interval = "30s";
  const auto new_files = render_stack(changed, "native", dir);
  const auto before = sys.files;
  try {
    write_stack_files(new_files, changed, dir, false, sys);
    FAIL("expected a refusal");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("/stack/prometheus/prometheus.yml") != std::string::npos);
    CHECK(std::string(e.what()).find("--force") != std::string::npos);
  }
  CHECK(sys.files == before);

  w = write_stack_files(new_files, changed, dir, true, sys);
  CHECK(sys.files.at(dir / "prometheus/prometheus.yml").find("scrape_interval: 30s") != std::string::npos);
  CHECK(sys.files.at(dir / "prometheus/prometheus.yml").find("# mine") == std::string::npos);
}
