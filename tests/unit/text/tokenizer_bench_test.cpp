// Encode throughput, run by bench/tokenizer_bench.sh (skipped in normal test runs):
//   VLLMCTL_BENCH_TOKENIZER=<tokenizer.json> VLLMCTL_BENCH_TEXT=<file> \
//     test_text --no-skip --test-case="bench: *"
// Encodes the file line by line on one thread, best of VLLMCTL_BENCH_REPEAT (3) passes,
// and prints "ours_encode_mb_per_s <x> tokens <n> first_pass_mb_per_s <y> cpu_mb_per_s <z>"
// (cpu: per second of this thread's CPU time, steadier than wall time on a busy machine).
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "engine/text/tokenizer.h"
#include "tests/unit/test_support.h"

namespace vllmctl {

TEST_CASE("bench: encode throughput" * doctest::skip()) {
  const char* tokenizer_path = std::getenv("VLLMCTL_BENCH_TOKENIZER");
  const char* text_path = std::getenv("VLLMCTL_BENCH_TEXT");
  if (!tokenizer_path || !text_path) {
    std::fprintf(stderr, "SKIPPED: set VLLMCTL_BENCH_TOKENIZER and VLLMCTL_BENCH_TEXT\n");
    return;
  }
  const char* repeat_env = std::getenv("VLLMCTL_BENCH_REPEAT");
  const int repeat = repeat_env ? std::atoi(repeat_env) : 3;
  const Tokenizer tok = Tokenizer::from_file(tokenizer_path);
  const std::string text = test::read_file(text_path);
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
  }
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  double best_s = 1e30, first_s = 0, best_cpu_s = 1e30;
  std::size_t tokens = 0;
  for (int pass = 0; pass < repeat; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    tokens = 0;
    for (std::string_view line : lines) tokens += tok.encode(line, false).size();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best_cpu_s = std::min(best_cpu_s, cpu_now() - c0);
    if (pass == 0) first_s = s;
    best_s = std::min(best_s, s);
  }
  const double mb = static_cast<double>(text.size()) / 1e6;
  std::printf("ours_encode_mb_per_s %.2f tokens %zu first_pass_mb_per_s %.2f cpu_mb_per_s %.2f\n",
              mb / best_s, tokens, mb / first_s, mb / best_cpu_s);
  CHECK(tokens > 0);
}

}  // namespace vllmctl
