// PLACEHOLDER while the session builds it: replaced by the real `vllmctl model demo`.
#include "cli/commands.h"
#include <stdexcept>
namespace vllmctl {
void add_model_demo_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand("demo", "(in progress)");
  ctx.on_run(cmd, [] () -> int { throw std::runtime_error("model demo: in progress"); });
}
}  // namespace vllmctl
