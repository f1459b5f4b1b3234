// CliContext: config layering and dispatch to the chosen subcommand.
#include "cli/common/cli_context.h"

#include "cli/common/config_file.h"

#include <cstdio>
#include <vector>

namespace vllmctl {

int CliContext::dispatch(CLI::App& root) {
  std::vector<CLI::App*> chain;
  for (CLI::App* app = &root;;) {
    auto chosen = app->get_subcommands();
    if (chosen.empty()) break;
    app = chosen.front();
    chain.push_back(app);
  }
  if (chain.empty()) {
    throw CLI::CallForHelp();
  }
  if (!no_config_.count(chain.back())) {
    if (auto file = find_config_file(config_path)) apply_config_file(*file, chain);
  }

  auto it = actions_.find(chain.back());
  if (it == actions_.end()) {
    // A command group (e.g. `vllmctl model`) without its subcommand: show its help.
    std::fputs(chain.back()->help().c_str(), stderr);
    return 2;
  }
  return it->second();
}

}  // namespace vllmctl
