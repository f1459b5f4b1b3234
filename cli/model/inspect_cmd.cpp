// `vllmctl model inspect DIR`: opens and validates a model directory (config, generation
// defaults, every tensor against the config) and prints what it holds.
#include "cli/commands.h"
#include "engine/model/model_dir.h"
#include "engine/model/model_summary.h"

#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace vllmctl {

namespace {

struct InspectArgs {
  std::string dir;
  bool as_json = false;
  bool list_tensors = false;
};

int run_inspect(const InspectArgs& args) {
  if (args.dir.empty()) throw std::runtime_error("model inspect: a model directory is required");
  const ModelDir model = open_model_dir(args.dir);
  if (args.as_json) {
    fmt::print("{}\n", model_summary_json(model).dump(2));
  } else {
    fmt::print("{}", model_summary_text(model, args.list_tensors));
  }
  return 0;
}

}  // namespace

void add_model_inspect_command(CLI::App& model, CliContext& ctx) {
  auto* cmd = model.add_subcommand(
      "inspect", "Validate a model directory and show its architecture, shapes, dtype and size");
  auto args = std::make_shared<InspectArgs>();
  cmd->add_option("dir", args->dir, "Model directory (config.json + safetensors)");
  cmd->add_flag("--json", args->as_json, "Print a machine-readable summary (JSON)");
  cmd->add_flag("--tensors", args->list_tensors, "Also list every tensor (name, dtype, shape)");
  ctx.on_run(cmd, [args] { return run_inspect(*args); });
}

}  // namespace vllmctl
