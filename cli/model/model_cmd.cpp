// `vllmctl model`: the group for model files (demo, pull, ls, inspect).
#include "cli/commands.h"

namespace vllmctl {

void add_model_command(CLI::App& parent, CliContext& ctx) {
  auto* model = parent.add_subcommand("model", "Create, download, list and inspect model files");
  model->require_subcommand(0, 1);
  add_model_demo_command(*model, ctx);
  add_model_pull_command(*model, ctx);
  add_model_ls_command(*model, ctx);
  add_model_inspect_command(*model, ctx);
}

}  // namespace vllmctl
