// Doctor checks through the System seam with recorded outputs: no nvidia-smi, a driver
// that is not loaded, a compute 7.0 GPU, an H100, an old driver without compute_cap, the
// toolkit missing, docker permission denied, compose v1 only, and each lastError text of
// the reference table.
#include "cli/doctor/doctor_check.h"
#include "cli/doctor/doctor_report.h"
#include "cli/doctor/doctor_util.h"
#include "tests/unit/fake_system.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <thread>

using namespace vllmctl;
using namespace vllmctl::doctor;

namespace {

CheckResult run(const char* id, test::FakeSystem& sys, const DoctorTargets& t = {}) {
  for (const Check& c : all_checks()) {
    if (c.id == id) return c.run(sys, t);
  }
  FAIL("no check " << id);
  return {};
}

const std::vector<std::string> kQuery = {"nvidia-smi", "--query-gpu=index,name,memory.total,driver_version,compute_cap",
                                         "--format=csv,noheader,nounits"};

}  // namespace

TEST_CASE("base64 for Basic auth, every padding length (RFC 4648 test vectors)") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foobar") == "Zm9vYmFy");
  CHECK(base64("admin:admin") == "YWRtaW46YWRtaW4=");
}

TEST_CASE("gpu: no nvidia-smi is a warning: the CPU backend serves") {
  test::FakeSystem sys;
  const CheckResult r = run("gpu.nvidia", sys);
  CHECK(r.status == Status::kWarn);
  CHECK(r.message.find("CPU backend") != std::string::npos);
  CHECK(r.hint.rfind("nvidia-smi", 0) == 0);  // hints start with the command to run
}

TEST_CASE("gpu: the driver is not loaded") {
  test::FakeSystem sys;
  sys.programs["nvidia-smi"] = "/usr/bin/nvidia-smi";
  sys.on_command({"nvidia-smi"}, 9, "",
                 "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest "
                 "NVIDIA driver is installed and running.\n");
  const CheckResult r = run("gpu.nvidia", sys);
  CHECK(r.status == Status::kFail);
  CHECK(r.hint.rfind("sudo modprobe nvidia", 0) == 0);
}

TEST_CASE("gpu: an H100 is fine; a V100 (7.0) warns about CUDA 13; names, memory and driver reported") {
  test::FakeSystem sys;
  sys.programs["nvidia-smi"] = "/usr/bin/nvidia-smi";
  sys.on_command(kQuery, 0, "0, NVIDIA H100 80GB HBM3, 81559, 570.86.15, 9.0\n1, NVIDIA H100 80GB HBM3, 81559, 570.86.15, 9.0\n");
  CheckResult r = run("gpu.nvidia", sys);
  CHECK(r.status == Status::kOk);
  CHECK(r.message.find("2 GPUs, driver 570.86.15") != std::string::npos);
  CHECK(r.message.find("NVIDIA H100 80GB HBM3 (81559 MiB, compute 9.0)") != std::string::npos);

  test::FakeSystem volta;
  volta.programs["nvidia-smi"] = "/usr/bin/nvidia-smi";
  volta.on_command(kQuery, 0, "0, Tesla V100-SXM2-32GB, 32768, 535.183.01, 7.0\n");
  r = run("gpu.nvidia", volta);
  CHECK(r.status == Status::kWarn);
  CHECK(r.hint.find("CUDA 13") != std::string::npos);
  CHECK(r.hint.find("7.5") != std::string::npos);
}

TEST_CASE("gpu: a driver without the compute_cap field falls back to the name") {
  test::FakeSystem sys;
  sys.programs["nvidia-smi"] = "/usr/bin/nvidia-smi";
  sys.on_command(kQuery, 2, "", "Field \"compute_cap\" is not a valid field to query.\n");
  sys.on_command({"nvidia-smi", "--query-gpu=index,name,memory.total,driver_version"}, 0, "0, Tesla T4, 15360, 470.256.02\n");
  const CheckResult r = run("gpu.nvidia", sys);
  CHECK(r.status == Status::kOk);
  CHECK(r.message.find("Tesla T4 (15360 MiB, compute 7.5)") != std::string::npos);
}

TEST_CASE("toolkit: missing, or present with the docker runtime; skipped without a GPU") {
  test::FakeSystem none;
  CHECK(run("toolkit.nvidia_ctk", none).status == Status::kSkip);

  test::FakeSystem sys;
  sys.programs["nvidia-smi"] = "/usr/bin/nvidia-smi";
  sys.programs["docker"] = "/usr/bin/docker";
  sys.on_command({"docker", "info"}, 0, "{\"io.containerd.runc.v2\":{\"path\":\"runc\"},\"runc\":{\"path\":\"runc\"}}\n");
  CheckResult r = run("toolkit.nvidia_ctk", sys);
  CHECK(r.status == Status::kFail);
  CHECK(r.hint.rfind("sudo apt install nvidia-container-toolkit", 0) == 0);
  CHECK(run("toolkit.runtime", sys).status == Status::kFail);
  CHECK(run("toolkit.hook", sys).status == Status::kFail);

  sys.programs["nvidia-ctk"] = "/usr/bin/nvidia-ctk";
  sys.programs["nvidia-container-runtime-hook"] = "/usr/bin/nvidia-container-runtime-hook";
  sys.on_command({"nvidia-ctk", "--version"}, 0, "NVIDIA Container Toolkit CLI version 1.17.4\ncommit: 9b69590\n");
  sys.on_command({"docker", "info"}, 0, "{\"nvidia\":{\"path\":\"nvidia-container-runtime\"},\"runc\":{\"path\":\"runc\"}}\n");
  CHECK(run("toolkit.nvidia_ctk", sys).message == "nvidia-ctk: NVIDIA Container Toolkit CLI version 1.17.4");
  CHECK(run("toolkit.runtime", sys).status == Status::kOk);
  CHECK(run("toolkit.hook", sys).status == Status::kOk);

  test::FakeSystem cdi;  // no docker runtime, but a CDI spec
  cdi.programs["nvidia-smi"] = "/usr/bin/nvidia-smi";
  cdi.files["/etc/cdi/nvidia.yaml"] = "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\n";
  CHECK(run("toolkit.runtime", cdi).status == Status::kOk);
}

TEST_CASE("docker: permission denied, not running, too old, fine; compose v1 only") {
  test::FakeSystem sys;
  sys.programs["docker"] = "/usr/bin/docker";
  sys.on_command({"docker", "version"}, 1, "",
                 "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: "
                 "Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.47/version\": dial unix /var/run/docker.sock: connect: "
                 "permission denied\n");
  CheckResult r = run("docker.daemon", sys);
  CHECK(r.status == Status::kFail);
  CHECK(r.hint.rfind("sudo usermod -aG docker $USER", 0) == 0);

  sys.on_command({"docker", "version"}, 1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n");
  CHECK(run("docker.daemon", sys).hint.rfind("sudo systemctl start docker", 0) == 0);
  sys.on_command({"docker", "version"}, 0, "19.03.15\n");
  CHECK(run("docker.daemon", sys).message.find("too old") != std::string::npos);
  sys.on_command({"docker", "version"}, 0, "27.3.1\n");
  CHECK(run("docker.daemon", sys).status == Status::kOk);

  sys.on_command({"docker", "compose"}, 1, "", "docker: 'compose' is not a docker command.\n");
  sys.programs["docker-compose"] = "/usr/bin/docker-compose";
  sys.on_command({"docker-compose", "version"}, 0, "1.29.2\n");
  r = run("docker.compose", sys);
  CHECK(r.status == Status::kWarn);
  CHECK(r.message.find("Compose v1") != std::string::npos);
  sys.on_command({"docker", "compose"}, 0, "2.29.7\n");
  CHECK(run("docker.compose", sys).status == Status::kOk);

  test::FakeSystem nodocker;
  CHECK(run("docker.daemon", nodocker).hint.rfind("vllmctl stack up --runtime native", 0) == 0);
}

TEST_CASE("ports: free, held by the right program, or taken (who)") {
  test::FakeSystem sys;
  sys.programs["ss"] = "/usr/bin/ss";
  sys.on_command({"ss", "-Hltnp"}, 0,
                 "LISTEN 0      4096         0.0.0.0:9090      0.0.0.0:*    users:((\"prometheus\",pid=811,fd=7))\n"
                 "LISTEN 0      511        127.0.0.1:3000      0.0.0.0:*    users:((\"node\",pid=92,fd=20))\n");
  DoctorTargets t;
  CHECK(run("ports.server", sys, t).status == Status::kOk);
  CheckResult r = run("ports.prometheus", sys, t);
  CHECK(r.status == Status::kOk);
  CHECK(r.message.find("prometheus (pid 811)") != std::string::npos);
  r = run("ports.grafana", sys, t);
  CHECK(r.status == Status::kWarn);
  CHECK(r.message == "3000 (grafana) is taken by node (pid 92) on 127.0.0.1:3000");
  CHECK(r.hint.rfind("sudo ss -ltnp 'sport = :3000'", 0) == 0);
  // The ports come from the URLs: a --grafana on another port is checked there, one on
  // another host not at all.
  t.grafana = "http://localhost:3001";
  CHECK(run("ports.grafana", sys, t).message == "3001 (grafana) is free");
  t.grafana = "http://grafana.example:3000";
  CHECK(run("ports.grafana", sys, t).status == Status::kSkip);
}

TEST_CASE("prometheus.target: each lastError of the reference table gets its fix") {
  const std::pair<const char*, const char*> kTable[] = {
      {"Get \"http://host.docker.internal:8000/metrics\": dial tcp: lookup host.docker.internal on 127.0.0.11:53: no such host",
       "host-gateway"},
      {"Get \"http://172.17.0.1:8000/metrics\": dial tcp 172.17.0.1:8000: connect: connection refused", "--host 0.0.0.0"},
      {"Get \"http://10.0.0.9:8000/metrics\": context deadline exceeded", "firewall"},
      {"dial tcp 10.0.0.9:8000: connect: no route to host", "firewall"},
      {"server returned HTTP status 404 Not Found", "/metrics"},
      {"server returned HTTP status 401 Unauthorized", "bearer_token_file"},
      {"server returned HTTP status 403 Forbidden", "bearer_token_file"},
      {"server returned HTTP status 500 Internal Server Error", "PROMETHEUS_MULTIPROC_DIR"},
      {"Get \"https://h:8000/metrics\": http: server gave HTTP response to HTTPS client", "http://"},
      {"Get \"https://h:8000/metrics\": x509: certificate signed by unknown authority", "tls_ca_file"},
      {"received unsupported Content-Type \"text/html\" and no fallback_scrape_protocol specified for target", "web page"},
      {"Get \"http://h:8000/metrics\": EOF", "log"},
  };
  for (const auto& [error, fix] : kTable) {
    test::FakeSystem sys;
    nlohmann::json target = {{"labels", {{"job", "vllm-local"}, {"instance", "127.0.0.1:8000"}}},
                             {"scrapeUrl", "http://host.docker.internal:8000/metrics"},
                             {"health", "down"},
                             {"lastError", error}};
    nlohmann::json targets = {{"status", "success"}, {"data", {{"activeTargets", nlohmann::json::array({target})}}}};
    sys.http_answers["GET http://127.0.0.1:9090/api/v1/targets?state=active"] = {200, targets.dump(), ""};
    const CheckResult r = run("prometheus.target", sys);
    INFO(error);
    CHECK(r.status == Status::kFail);
    CHECK(r.message.find(error) != std::string::npos);
    CHECK(r.hint.find(fix) != std::string::npos);
  }
}

TEST_CASE("target: the --disable-log-stats signature and the flag where it is set") {
  test::FakeSystem sys;
  sys.http_answers["GET http://127.0.0.1:8000/metrics"] = {
      200, "# HELP process_cpu_seconds_total x\nprocess_cpu_seconds_total 1.5\nhttp_requests_total{method=\"GET\"} 3\n", ""};
  CheckResult r = run("target.metrics", sys);
  CHECK(r.status == Status::kFail);
  CHECK(r.message.find("--disable-log-stats") != std::string::npos);

  sys.running[77] = "python3 -m vllm.entrypoints.openai.api_server --model m --disable-log-stats";
  sys.running[78] = "vllmctl serve --port 8001 --disable-log-stats";  // another server: not this target's
  sys.files["docker-compose.yml"] = "services:\n  vllm:\n    command: --model m --disable-log-stats\n";
  sys.files[".env"] = "# VLLM_ARGS=--disable-log-stats\nVLLM_PORT=8000\n";  // commented out: not counted
  r = run("target.disable_log_stats", sys);
  CHECK(r.status == Status::kFail);
  CHECK(r.message.find("process 77") != std::string::npos);
  CHECK(r.message.find("process 78") == std::string::npos);
  CHECK(r.message.find("docker-compose.yml:3") != std::string::npos);
  CHECK(r.message.find(".env") == std::string::npos);
}

TEST_CASE("target: legacy dashboard names suggest --legacy-metrics") {
  test::FakeSystem sys;
  sys.http_answers["GET http://127.0.0.1:8000/metrics"] = {200, "vllm:kv_cache_usage_perc{engine=\"0\"} 0.1\n", ""};
  DoctorTargets t;
  t.dashboards = {R"({"expr": "vllm:gpu_cache_usage_perc{model_name=~\"$m\"} * 100"})", R"({"expr": "vllm:kv_cache_usage_perc"})"};
  const CheckResult r = run("target.dashboard_names", sys, t);
  CHECK(r.status == Status::kWarn);
  CHECK(r.message.find("vllm:gpu_cache_usage_perc") != std::string::npos);
  CHECK(r.hint.rfind("vllmctl serve --legacy-metrics", 0) == 0);
}

TEST_CASE("a check that throws is that check's failure; the run goes on; JSON and exit codes") {
  std::vector<Check> checks = {
      {"x.throws", "gpu", [](System&, const DoctorTargets&) -> CheckResult { throw std::runtime_error("boom"); }},
      {"x.warns", "gpu", [](System&, const DoctorTargets&) { return warn("w", "do this"); }},
      {"x.ok", "ports", [](System&, const DoctorTargets&) { return ok("fine"); }},
  };
  test::FakeSystem sys;
  const auto findings = run_checks(checks, sys, {}, std::chrono::seconds(5));
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].result.status == Status::kFail);
  CHECK(findings[0].result.message.find("boom") != std::string::npos);
  CHECK(findings[2].result.status == Status::kOk);
  CHECK(exit_code(findings, false) == 1);
  CHECK(exit_code({findings[1], findings[2]}, false) == 0);
  CHECK(exit_code({findings[1], findings[2]}, true) == 1);

  const auto j = nlohmann::json::parse(json_report(findings));
  CHECK(j["schema_version"] == 1);
  CHECK(j["checks"].size() == 3);
  CHECK(j["checks"][0]["status"] == "fail");
  CHECK(j["checks"][1]["hint"] == "do this");
  CHECK(j["summary"]["warn"] == 1);

  const std::string text = text_report(findings, {false, false, false});
  CHECK(text.find("[FAIL]") != std::string::npos);
  CHECK(text.find("fix: do this") != std::string::npos);
  for (unsigned char c : text) CHECK(c < 0x80);  // plain ASCII without a terminal
}

TEST_CASE("a check that hangs times out without holding up the others") {
  std::vector<Check> checks = {
      {"x.hangs", "gpu", [](System&, const DoctorTargets&) {
         std::this_thread::sleep_for(std::chrono::seconds(3));
         return ok("late");
       }},
      {"x.ok", "gpu", [](System&, const DoctorTargets&) { return ok("fine"); }},
  };
  test::FakeSystem sys;
  const auto t0 = std::chrono::steady_clock::now();
  const auto findings = run_checks(checks, sys, {}, std::chrono::milliseconds(200));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(findings[0].result.status == Status::kFail);
  CHECK(findings[0].result.message.find("no answer within") != std::string::npos);
  CHECK(findings[1].result.status == Status::kOk);
}
