// GPU checks: nvidia-smi, the driver, and each GPU's name, memory, driver and compute
// capability (CUDA 13 needs 7.5; vLLM itself needs 7.0).
#include "cli/doctor/doctor_check.h"

#include <fmt/format.h>

#include <sstream>

namespace vllmctl::doctor {

namespace {

using namespace std::chrono_literals;

struct Gpu {
  std::string index, name, memory_mib, driver, compute_cap;
};

std::string trim(std::string s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  const auto b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) out.push_back(trim(field));
  return out;
}

// Compute capability by name, for drivers older than 510 that lack the compute_cap field.
std::string capability_by_name(const std::string& name) {
  static const std::pair<const char*, const char*> kTable[] = {
      {"B200", "10.0"}, {"GB200", "10.0"}, {"H200", "9.0"}, {"H100", "9.0"}, {"H800", "9.0"}, {"GH200", "9.0"},
      {"L40", "8.9"},   {"L4", "8.9"},     {"RTX 40", "8.9"}, {"RTX 6000 Ada", "8.9"}, {"A100", "8.0"},
      {"A800", "8.0"},  {"A30", "8.0"},    {"A10", "8.6"},   {"A40", "8.6"},    {"A16", "8.6"},    {"A2", "8.6"},
      {"RTX 30", "8.6"}, {"RTX A", "8.6"}, {"T4", "7.5"},    {"RTX 20", "7.5"}, {"Quadro RTX", "7.5"},
      {"TITAN RTX", "7.5"}, {"V100", "7.0"}, {"TITAN V", "7.0"}, {"P100", "6.0"}, {"P40", "6.1"}, {"P4", "6.1"},
      {"GTX 10", "6.1"}, {"K80", "3.7"}};
  for (const auto& [key, cc] : kTable) {
    if (name.find(key) != std::string::npos) return cc;
  }
  return "";
}

CheckResult check_gpus(System& sys, const DoctorTargets&) {
  if (!sys.which("nvidia-smi")) {
    CheckResult r = warn("no nvidia-smi: no NVIDIA driver on this machine; `vllmctl serve` will use the CPU backend",
                         "nvidia-smi   # install the NVIDIA driver (Debian: apt install nvidia-driver) to serve on a GPU");
    return r;
  }
  const char* fields = "index,name,memory.total,driver_version,compute_cap";
  CommandResult q = sys.run({"nvidia-smi", std::string("--query-gpu=") + fields, "--format=csv,noheader,nounits"}, 20s);
  bool have_cc = true;
  if (q.exit_code != 0 && (q.out + q.err).find("compute_cap") != std::string::npos) {
    have_cc = false;  // drivers before 510 do not know the field
    q = sys.run({"nvidia-smi", "--query-gpu=index,name,memory.total,driver_version", "--format=csv,noheader,nounits"}, 20s);
  }
  const std::string text = q.out + q.err;
  if (q.exit_code != 0) {
    if (text.find("couldn't communicate with the NVIDIA driver") != std::string::npos ||
        text.find("NVIDIA-SMI has failed") != std::string::npos) {
      return fail("nvidia-smi cannot reach the NVIDIA driver: the kernel module is not loaded",
                  "sudo modprobe nvidia   # if that fails: reinstall the driver for this kernel (dkms), or reboot after "
                  "installing it; check `dmesg | grep -i nvidia`");
    }
    if (text.find("No devices were found") != std::string::npos) {
      return fail("the NVIDIA driver is loaded but sees no GPU", "nvidia-smi -L   # check the GPU is seated and powered "
                                                                 "(lspci | grep -i nvidia) and not passed to a VM");
    }
    return fail(fmt::format("nvidia-smi failed (exit {}): {}", q.exit_code, trim(text).substr(0, 200)),
                "nvidia-smi   # read its error");
  }
  std::vector<Gpu> gpus;
  std::stringstream lines(q.out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto f = split_csv(line);
    if (f.size() < 4) continue;
    gpus.push_back({f[0], f[1], f[2], f[3], have_cc && f.size() > 4 ? f[4] : capability_by_name(f[1])});
  }
  if (gpus.empty()) return fail("nvidia-smi lists no GPU", "nvidia-smi -L");
  CheckResult r = ok("");
  std::vector<std::string> summary;
  double worst = 100;
  for (const Gpu& g : gpus) {
    const double cc = g.compute_cap.empty() ? 0 : std::stod(g.compute_cap);
    if (cc > 0) worst = std::min(worst, cc);
    summary.push_back(fmt::format("GPU {}: {} ({} MiB, compute {})", g.index, g.name, g.memory_mib,
                                  g.compute_cap.empty() ? "unknown" : g.compute_cap));
    r.details.emplace_back("gpu" + g.index, summary.back() + ", driver " + g.driver);
  }
  r.details.emplace_back("driver_version", gpus[0].driver);
  r.message = fmt::format("{} GPU{}, driver {}: {}", gpus.size(), gpus.size() == 1 ? "" : "s", gpus[0].driver,
                          fmt::join(summary, "; "));
  if (worst < 7.0) {
    r.status = Status::kWarn;
    r.hint = "nvidia-smi --query-gpu=name,compute_cap --format=csv   # compute capability below 7.0: neither vLLM nor "
             "vllmctl's CUDA 13 backend can use this GPU; vllmctl serve falls back to the CPU";
  } else if (worst < 7.5) {
    r.status = Status::kWarn;
    r.hint = "nvidia-smi --query-gpu=name,compute_cap --format=csv   # compute capability 7.0 (Volta): vLLM runs on it, "
             "but CUDA 13 (vllmctl's CUDA backend) needs 7.5 or newer; vllmctl serve falls back to the CPU";
  } else if (have_cc == false && gpus[0].compute_cap.empty()) {
    r.status = Status::kWarn;
    r.hint = "nvidia-smi -q | grep -i compute   # this driver cannot report the compute capability; update the driver";
  }
  return r;
}

}  // namespace

std::vector<Check> gpu_checks() { return {{"gpu.nvidia", "gpu", check_gpus}}; }

}  // namespace vllmctl::doctor
