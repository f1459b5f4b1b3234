// A doctor check: an id, a category, and a function of the System seam that returns a
// status, a one-line message, a hint that starts with the command to run, and details.
// Checks are pure functions of what System answers, so tests replay recorded outputs.
#pragma once

#include "cli/common/system.h"

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vllmctl::doctor {

enum class Status { kOk, kWarn, kFail, kSkip };
const char* status_name(Status s);  // ok | warn | fail | skip

struct CheckResult {
  Status status = Status::kOk;
  std::string message;
  std::string hint;                                          // "" when nothing to do
  std::vector<std::pair<std::string, std::string>> details;  // shown with --verbose and in --json
};

inline CheckResult ok(std::string message) { return {Status::kOk, std::move(message), "", {}}; }
inline CheckResult warn(std::string message, std::string hint) { return {Status::kWarn, std::move(message), std::move(hint), {}}; }
inline CheckResult fail(std::string message, std::string hint) { return {Status::kFail, std::move(message), std::move(hint), {}}; }
inline CheckResult skip(std::string message) { return {Status::kSkip, std::move(message), "", {}}; }

// Where to look, from flags and the stack config.
struct DoctorTargets {
  std::string target = "http://127.0.0.1:8000";  // the inference server
  std::string api_key;                           // for /v1/* when the server has --api-key
  std::string prometheus = "http://127.0.0.1:9090";
  std::string grafana = "http://127.0.0.1:3000";
  std::string victoriametrics = "http://127.0.0.1:8428";
  std::string stack_dir;               // rendered stack (compose file, secrets), "" if none
  std::vector<std::string> dashboards;  // dashboard JSON texts to check names against
  bool deep = false;   // also `docker run --gpus all` smoke test
  bool probe = true;   // send one tiny request to see the counters move
};

struct Check {
  std::string id;        // "gpu.driver", "target.metrics", ...
  std::string category;  // gpu | toolkit | docker | ports | target | prometheus | security
  std::function<CheckResult(System&, const DoctorTargets&)> run;
};

// Every check, in report order. One function per category file.
std::vector<Check> gpu_checks();
std::vector<Check> toolkit_checks();
std::vector<Check> docker_checks();
std::vector<Check> port_checks();
std::vector<Check> target_checks();
std::vector<Check> prometheus_checks();
std::vector<Check> security_checks();
std::vector<Check> all_checks();

struct Finding {
  std::string id, category;
  CheckResult result;
  double seconds = 0;
};

// Runs every check, each category's checks concurrently with the others, each with its
// own timeout; a check that throws or times out is that check's failure. Report order.
std::vector<Finding> run_checks(const std::vector<Check>& checks, System& system, const DoctorTargets& targets,
                                std::chrono::milliseconds timeout_per_check);

}  // namespace vllmctl::doctor
