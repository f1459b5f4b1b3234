// PLACEHOLDER while the session builds it: replaced by the real `vllmctl model inspect`.
#include "cli/commands.h"
#include <stdexcept>
namespace vllmctl {
void add_model_inspect_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand("inspect", "(in progress)");
  ctx.on_run(cmd, [] () -> int { throw std::runtime_error("model inspect: in progress"); });
}
}  // namespace vllmctl
