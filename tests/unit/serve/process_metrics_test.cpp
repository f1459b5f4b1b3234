// process_* metrics from procfs: a fake tree with known values, and the real one.
#include "cli/serve/process_metrics.h"
#include "tests/unit/test_support.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <map>

using namespace vllmctl;

namespace {

std::map<std::string, double> values(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, double> out;
  for (const auto& f : families) {
    const auto& m = f.metric.front();
    out[f.name] = f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
  }
  return out;
}

}  // namespace

TEST_CASE("values come from stat, fd and limits, as prometheus_client computes them") {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "self" / "fd");
  for (int i = 0; i < 3; ++i) test::write_file(dir / "self" / "fd" / std::to_string(i), "");
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // pid (comm with spaces) state ppid ... utime=14 stime=15 ... starttime=22 vsize=23 rss=24
  std::string stat = "4242 (vllm ctl) S 1 2 3 4 5 6 7 8 9 10 ";
  stat += std::to_string(static_cast<int>(3 * ticks)) + " " + std::to_string(static_cast<int>(ticks)) +
          " 0 0 20 0 9 0 " + std::to_string(static_cast<int>(50 * ticks)) + " 123456789 1000 rest";
  test::write_file(dir / "self" / "stat", stat + "\n");
  test::write_file(dir / "self" / "limits",
                   "Limit                     Soft Limit           Hard Limit           Units\n"
                   "Max open files            1024                 4096                 files\n");
  test::write_file(dir / "stat", "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n");
  const auto v = values(ProcessCollector(dir / "self", dir.path()).Collect());
  CHECK(v.at("process_cpu_seconds_total") == doctest::Approx(4.0));
  CHECK(v.at("process_virtual_memory_bytes") == 123456789.0);
  CHECK(v.at("process_resident_memory_bytes") == 1000.0 * page);
  CHECK(v.at("process_start_time_seconds") == doctest::Approx(1700000050.0));
  CHECK(v.at("process_open_fds") == 3.0);
  CHECK(v.at("process_max_fds") == 1024.0);
}

TEST_CASE("a missing or garbled procfs drops metrics instead of throwing") {
  test::TempDir dir;
  CHECK(ProcessCollector(dir / "nope", dir / "nope").Collect().empty());
  std::filesystem::create_directories(dir / "self");
  test::write_file(dir / "self" / "stat", "1 (x) S 1 2 3 4 5 6 7 8 9 10 abc def 0 0 20 0 9 0 zz 1 2\n");
  CHECK_NOTHROW(ProcessCollector(dir / "self", dir.path()).Collect());
}

TEST_CASE("this process reports plausible values") {
  const auto v = values(ProcessCollector().Collect());
  REQUIRE(v.count("process_resident_memory_bytes"));
  CHECK(v.at("process_resident_memory_bytes") > 1e6);
  CHECK(v.at("process_open_fds") >= 3);
  CHECK(v.at("process_start_time_seconds") > 1.6e9);
}
