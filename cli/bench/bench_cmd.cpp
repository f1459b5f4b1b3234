// `vllmctl bench`: the group for benchmarks (throughput: offline, in process; serve: a client against a server).
#include "cli/commands.h"

namespace vllmctl {

void add_bench_command(CLI::App& parent, CliContext& ctx) {
  auto* bench = parent.add_subcommand("bench", "Benchmarks: offline throughput, online serving");
  bench->require_subcommand(0, 1);
  add_bench_throughput_command(*bench, ctx);
  add_bench_serve_command(*bench, ctx);
}

}  // namespace vllmctl
