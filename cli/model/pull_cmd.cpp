// PLACEHOLDER while the session builds it: replaced by the real `vllmctl model pull`.
#include "cli/commands.h"
#include <stdexcept>
namespace vllmctl {
void add_model_pull_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand("pull", "(in progress)");
  ctx.on_run(cmd, [] () -> int { throw std::runtime_error("model pull: in progress"); });
}
}  // namespace vllmctl
