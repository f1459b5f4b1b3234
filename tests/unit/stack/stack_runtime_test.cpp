// The runtimes through a FakeSystem: which commands run, compose v1 fallback, errors with
// their fix, pid files that outlive their process, and the lastError hints.
#include "cli/stack/prometheus_targets.h"
#include "cli/stack/stack_runtime.h"
#include "tests/unit/fake_system.h"

#include <doctest/doctest.h>

using namespace vllmctl;

namespace {

StackConfig config(const std::string& runtime) {
  StackConfig c;
  c.directory = "/stack";
  c.runtime = runtime;
  return c;
}

bool ran(const test::FakeSystem& sys, const std::vector<std::string>& argv) {
  return std::find(sys.ran.begin(), sys.ran.end(), argv) != sys.ran.end();
}

}  // namespace

TEST_CASE("auto picks docker only when the daemon answers") {
  test::FakeSystem sys;
  CHECK(resolve_runtime_name(config("auto"), sys) == "native");  // no docker binary
  sys.programs["docker"] = "/usr/bin/docker";
  sys.on_command({"docker", "info"}, 1, "", "permission denied while trying to connect to the Docker daemon socket");
  CHECK(resolve_runtime_name(config("auto"), sys) == "native");
  sys.on_command({"docker", "info"}, 0, "27.1.1\n");
  CHECK(resolve_runtime_name(config("auto"), sys) == "docker");
  CHECK(resolve_runtime_name(config("native"), sys) == "native");
}

TEST_CASE("docker: compose v2, else v1; the project and file; errors carry the fix") {
  test::FakeSystem sys;
  sys.programs["docker"] = "/usr/bin/docker";
  sys.programs["docker-compose"] = "/usr/bin/docker-compose";
  sys.on_command({"docker", "compose", "version"}, 1, "", "docker: 'compose' is not a docker command.");
  StackConfig c = config("docker");
  c.dcgm_exporter = true;
  auto rt = make_docker_runtime(c, sys);
  rt->up(false);
  CHECK(ran(sys, {"docker-compose", "-f", "/stack/docker-compose.yml", "-p", "vllmctl", "--profile", "gpu", "up", "-d",
                  "--remove-orphans"}));
  rt->down(true);
  CHECK(ran(sys, {"docker-compose", "-f", "/stack/docker-compose.yml", "-p", "vllmctl", "--profile", "gpu", "down",
                  "--volumes"}));

  test::FakeSystem v2;
  v2.programs["docker"] = "/usr/bin/docker";
  v2.on_command({"docker", "compose", "-f"}, 1, "",
                "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock");
  auto rt2 = make_docker_runtime(config("docker"), v2);
  CHECK_THROWS_WITH_AS(rt2->up(false), doctest::Contains("sudo usermod -aG docker $USER"), std::runtime_error);

  test::FakeSystem none;
  auto rt3 = make_docker_runtime(config("docker"), none);
  CHECK_THROWS_WITH_AS(rt3->up(false), doctest::Contains("--runtime native"), std::runtime_error);
}

TEST_CASE("native: starts what is missing, reloads a running Prometheus, ignores stale pid files") {
  test::FakeSystem sys;
  sys.programs["prometheus"] = "/usr/bin/prometheus";
  sys.programs["victoria-metrics"] = "/usr/bin/victoria-metrics";
  sys.http_answers["GET http://127.0.0.1:9090/-/ready"] = {200, "ready", ""};
  sys.http_answers["GET http://127.0.0.1:8428/health"] = {200, "OK", ""};
  sys.http_answers["POST http://127.0.0.1:9090/-/reload"] = {200, "", ""};
  sys.files["/stack/run/prometheus.pid"] = "4242\n";  // stale: no such process
  auto rt = make_native_runtime(config("native"), sys);
  rt->up(false);
  REQUIRE(sys.running.size() == 2);  // grafana is optional and absent
  CHECK(sys.ran.at(0).at(0) == "/usr/bin/victoria-metrics");  // VictoriaMetrics first
  CHECK(sys.ran.at(1).at(0) == "/usr/bin/prometheus");
  CHECK(std::find(sys.ran[1].begin(), sys.ran[1].end(), "--web.enable-lifecycle") != sys.ran[1].end());
  const std::string prom_pid = sys.files.at("/stack/run/prometheus.pid");

  rt->up(true);  // running: reload, no second process
  CHECK(sys.running.size() == 2);
  CHECK(std::count(sys.requests.begin(), sys.requests.end(), "POST http://127.0.0.1:9090/-/reload") == 1);
  CHECK(sys.files.at("/stack/run/prometheus.pid") == prom_pid);

  const auto st = rt->status();
  CHECK(st.at(0).state == "running");
  CHECK(st.at(2).name == "grafana");
  CHECK(st.at(2).state == "missing");

  rt->down(false);
  CHECK(sys.running.empty());
  CHECK_FALSE(sys.files.count("/stack/run/prometheus.pid"));
}

TEST_CASE("native: a missing binary names the package to install") {
  test::FakeSystem sys;
  auto rt = make_native_runtime(config("native"), sys);
  CHECK_THROWS_WITH_AS(rt->up(false), doctest::Contains("apt install victoria-metrics"), std::runtime_error);
}

TEST_CASE("lastError texts map to their cause and fix") {
  CHECK(scrape_error_hint("").empty());
  CHECK(scrape_error_hint("Get \"http://host.docker.internal:8000/metrics\": dial tcp: lookup host.docker.internal on "
                          "127.0.0.11:53: no such host")
            .find("host-gateway") != std::string::npos);
  CHECK(scrape_error_hint("dial tcp 172.17.0.1:8000: connect: connection refused").find("--host 0.0.0.0") !=
        std::string::npos);
  CHECK(scrape_error_hint("context deadline exceeded").find("firewall") != std::string::npos);
  CHECK(scrape_error_hint("server returned HTTP status 404 Not Found").find("/metrics") != std::string::npos);
  CHECK(scrape_error_hint("server returned HTTP status 401 Unauthorized").find("bearer_token_file") != std::string::npos);
  CHECK(scrape_error_hint("server returned HTTP status 500 Internal Server Error").find("PROMETHEUS_MULTIPROC_DIR") !=
        std::string::npos);
  CHECK(scrape_error_hint("x509: certificate signed by unknown authority").find("tls_ca_file") != std::string::npos);
  CHECK(scrape_error_hint("something new").find("vllmctl doctor") != std::string::npos);
  CHECK(parse_duration("1m30s") == std::chrono::seconds(90));
  CHECK(parse_duration("15 s") == std::chrono::milliseconds(0));
  CHECK(last_lines("a\nb\nc\n", 2) == "b\nc\n");
  CHECK(last_lines("a\nb", 5) == "a\nb");
}
