// PLACEHOLDER while the session builds it: replaced by the real `vllmctl model ls`.
#include "cli/commands.h"
#include <stdexcept>
namespace vllmctl {
void add_model_ls_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand("ls", "(in progress)");
  ctx.on_run(cmd, [] () -> int { throw std::runtime_error("model ls: in progress"); });
}
}  // namespace vllmctl
