// vllmctl's entry point: builds the subcommand table, parses, dispatches, and turns
// errors into a one-line message and an exit code (2 for usage, 1 for failures).
#include "cli/commands.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

namespace {

using AddCommand = void (*)(CLI::App&, vllmctl::CliContext&);

// The table of top-level subcommands, in the order `--help` lists them.
constexpr AddCommand kCommands[] = {
    vllmctl::add_serve_command,
    vllmctl::add_stack_command,
    vllmctl::add_doctor_command,
    vllmctl::add_completion_command,
    vllmctl::add_model_command,
    vllmctl::add_bench_command,
    vllmctl::add_version_command,
};

}  // namespace

int main(int argc, char** argv) {
  // Line-buffered stdout so logs reach journald/pipes even if the process dies.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  CLI::App app{"vllmctl: serve LLMs with vLLM's API and metrics, and watch them.\n"};
  app.name("vllmctl");
  app.require_subcommand(0, 1);
  app.fallthrough();
  app.footer(
      "Run `vllmctl COMMAND --help` for a command's options.\n"
      "Options come from flags, then environment variables, then a config file\n"
      "(--config, ./vllmctl.toml, ~/.config/vllmctl/vllmctl.toml, /etc/vllmctl/vllmctl.toml).");
  vllmctl::CliContext ctx;
  app.add_option("--config", ctx.config_path, "Config file (TOML); sections are command names")
      ->envname("VLLMCTL_CONFIG");
  for (AddCommand add : kCommands) add(app, ctx);

  try {
    app.parse(argc, argv);
    return ctx.dispatch(app);
  } catch (const CLI::ParseError& e) {
    // --help and friends exit 0; every usage error exits 2, as is conventional.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "vllmctl: error: {}\n", e.what());
    return 1;
  }
}
