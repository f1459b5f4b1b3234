// The NVIDIA Container Toolkit and Docker/Compose: what `stack up` with the vLLM service
// (and any GPU container) needs.
#include "cli/doctor/doctor_check.h"

#include <fmt/format.h>

#include <regex>

namespace vllmctl::doctor {

namespace {

using namespace std::chrono_literals;

std::string first_line(const std::string& s) {
  const auto a = s.find_first_not_of(" \n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find('\n', a) - a);
}

// "27.1.1" -> {27, 1}; {0, 0} when unparsable.
std::pair<int, int> major_minor(const std::string& v) {
  static const std::regex re(R"((\d+)\.(\d+))");
  std::smatch m;
  if (!std::regex_search(v, m, re)) return {0, 0};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

CheckResult toolkit_ctk(System& sys, const DoctorTargets&) {
  if (!sys.which("nvidia-smi")) return skip("no NVIDIA GPU here: the container toolkit is not needed");
  if (!sys.which("nvidia-ctk")) {
    return fail("the NVIDIA Container Toolkit is not installed: containers cannot see the GPU",
                "sudo apt install nvidia-container-toolkit && sudo nvidia-ctk runtime configure --runtime=docker && "
                "sudo systemctl restart docker");
  }
  const CommandResult r = sys.run({"nvidia-ctk", "--version"}, 10s);
  return ok(fmt::format("nvidia-ctk: {}", first_line(r.out)));
}

CheckResult toolkit_runtime(System& sys, const DoctorTargets&) {
  if (!sys.which("nvidia-smi")) return skip("no NVIDIA GPU here");
  std::vector<std::string> cdi;
  for (const char* dir : {"/etc/cdi", "/var/run/cdi"}) {
    for (const auto& f : sys.list_directory(dir)) {
      const auto text = sys.read_file(std::string(dir) + "/" + f);
      if (text && text->find("nvidia.com/gpu") != std::string::npos) cdi.push_back(std::string(dir) + "/" + f);
    }
  }
  bool docker_runtime = false;
  if (sys.which("docker")) {
    const CommandResult r = sys.run({"docker", "info", "--format", "{{json .Runtimes}}"}, 15s);
    docker_runtime = r.exit_code == 0 && r.out.find("\"nvidia\"") != std::string::npos;
  }
  if (docker_runtime || !cdi.empty()) {
    CheckResult res = ok(docker_runtime ? "Docker has the nvidia runtime" : "a CDI spec for nvidia.com/gpu: " + cdi[0]);
    for (const auto& c : cdi) res.details.emplace_back("cdi", c);
    return res;
  }
  return fail("Docker has no nvidia runtime and there is no CDI spec: `--gpus all` will fail",
              "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker   # or: sudo "
              "nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml");
}

CheckResult toolkit_hook(System& sys, const DoctorTargets&) {
  if (!sys.which("nvidia-smi")) return skip("no NVIDIA GPU here");
  for (const char* hook : {"nvidia-container-runtime-hook", "nvidia-container-toolkit", "nvidia-container-runtime"}) {
    if (auto p = sys.which(hook)) return ok(fmt::format("runtime hook: {}", p->string()));
  }
  return fail("the NVIDIA container runtime hook is missing",
              "sudo apt install --reinstall nvidia-container-toolkit   # provides nvidia-container-runtime-hook");
}

CheckResult toolkit_smoke(System& sys, const DoctorTargets& t) {
  if (!t.deep) return skip("add --deep to run a GPU container (docker run --rm --gpus all ... nvidia-smi)");
  if (!sys.which("nvidia-smi") || !sys.which("docker")) return skip("needs a GPU and Docker");
  const CommandResult r = sys.run({"docker", "run", "--rm", "--gpus", "all", "ubuntu:24.04", "nvidia-smi", "-L"}, 180s);
  if (r.exit_code == 0) return ok("a container sees the GPU: " + first_line(r.out));
  const std::string e = first_line(r.err.empty() ? r.out : r.err);
  if (e.find("could not select device driver") != std::string::npos) {
    return fail("Docker cannot select the GPU driver: " + e,
                "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker");
  }
  return fail("a GPU container failed: " + e, "docker run --rm --gpus all ubuntu:24.04 nvidia-smi   # read the error");
}

CheckResult docker_daemon(System& sys, const DoctorTargets&) {
  if (!sys.which("docker")) {
    return warn("Docker is not installed; the stack can still run natively",
                "vllmctl stack up --runtime native   # or install Docker: https://docs.docker.com/engine/install/debian/");
  }
  const CommandResult r = sys.run({"docker", "version", "--format", "{{.Server.Version}}"}, 15s);
  const std::string err = r.err + r.out;
  if (r.exit_code != 0) {
    if (err.find("permission denied") != std::string::npos) {
      return fail("this user may not use the Docker daemon (permission denied on /var/run/docker.sock)",
                  "sudo usermod -aG docker $USER   # then log out and in again (or: newgrp docker)");
    }
    if (err.find("Cannot connect to the Docker daemon") != std::string::npos || err.find("Is the docker daemon running") != std::string::npos) {
      return fail("the Docker daemon is not running", "sudo systemctl start docker   # and `systemctl enable docker` to keep it");
    }
    return fail("docker version failed: " + first_line(err), "docker version   # read the error");
  }
  const std::string version = first_line(r.out);
  const auto [major, minor] = major_minor(version);
  if (major < 20 || (major == 20 && minor < 10)) {
    return fail(fmt::format("Docker {} is too old: host.docker.internal:host-gateway needs 20.10 or newer", version),
                "sudo apt install docker-ce   # Docker's own packages: https://docs.docker.com/engine/install/");
  }
  return ok(fmt::format("Docker {} (daemon reachable)", version));
}

CheckResult docker_compose(System& sys, const DoctorTargets&) {
  if (!sys.which("docker") && !sys.which("docker-compose")) return skip("no Docker");
  if (sys.which("docker")) {
    const CommandResult v2 = sys.run({"docker", "compose", "version", "--short"}, 15s);
    if (v2.exit_code == 0) return ok("Compose v2 " + first_line(v2.out));
  }
  if (sys.which("docker-compose")) {
    const CommandResult v1 = sys.run({"docker-compose", "version", "--short"}, 15s);
    if (v1.exit_code == 0) {
      return warn(fmt::format("only Compose v1 (docker-compose {}), which is end of life; vllmctl uses it",
                              first_line(v1.out)),
                  "sudo apt install docker-compose-plugin   # Compose v2, `docker compose`");
    }
  }
  return fail("no working Docker Compose", "sudo apt install docker-compose-plugin");
}

}  // namespace

std::vector<Check> toolkit_checks() {
  return {{"toolkit.nvidia_ctk", "toolkit", toolkit_ctk},
          {"toolkit.runtime", "toolkit", toolkit_runtime},
          {"toolkit.hook", "toolkit", toolkit_hook},
          {"toolkit.gpu_container", "toolkit", toolkit_smoke}};
}

std::vector<Check> docker_checks() {
  return {{"docker.daemon", "docker", docker_daemon}, {"docker.compose", "docker", docker_compose}};
}

}  // namespace vllmctl::doctor
