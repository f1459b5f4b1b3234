// Running the checks: one thread per check, all at once, each awaited until its own
// deadline. A check that overstays is reported as timed out and left to finish on its
// thread (its result is dropped); a check that throws reports the exception.
#include "cli/doctor/doctor_check.h"

#include <fmt/format.h>

#include <future>
#include <memory>
#include <thread>

namespace vllmctl::doctor {

const char* status_name(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kWarn: return "warn";
    case Status::kFail: return "fail";
    case Status::kSkip: return "skip";
  }
  return "fail";
}

std::vector<Check> all_checks() {
  std::vector<Check> all;
  for (auto group : {gpu_checks, toolkit_checks, docker_checks, port_checks, target_checks, prometheus_checks,
                     security_checks}) {
    for (Check& c : group()) all.push_back(std::move(c));
  }
  return all;
}

std::vector<Finding> run_checks(const std::vector<Check>& checks, System& system, const DoctorTargets& targets,
                                std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  struct Pending {
    std::future<CheckResult> result;
    Clock::time_point started;
  };
  std::vector<Pending> pending;
  // The targets are copied into each task: a timed-out check may outlive this call.
  auto shared_targets = std::make_shared<const DoctorTargets>(targets);
  for (const Check& c : checks) {
    auto promise = std::make_shared<std::promise<CheckResult>>();
    pending.push_back({promise->get_future(), Clock::now()});
    std::thread([promise, run = c.run, &system, shared_targets] {
      try {
        promise->set_value(run(system, *shared_targets));
      } catch (const std::exception& e) {
        promise->set_value(fail(fmt::format("the check failed: {}", e.what()), "run `vllmctl doctor --verbose` and report it"));
      } catch (...) {
        promise->set_value(fail("the check failed", "run `vllmctl doctor --verbose` and report it"));
      }
    }).detach();
  }
  std::vector<Finding> out;
  for (size_t i = 0; i < checks.size(); ++i) {
    Finding f{checks[i].id, checks[i].category, {}, 0};
    if (pending[i].result.wait_until(pending[i].started + timeout) == std::future_status::ready) {
      f.result = pending[i].result.get();
    } else {
      f.result = fail(fmt::format("no answer within {} s", std::chrono::duration<double>(timeout).count()),
                      "something hangs: run the check's command by hand (see --verbose) or raise --timeout");
    }
    f.seconds = std::chrono::duration<double>(Clock::now() - pending[i].started).count();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace vllmctl::doctor
