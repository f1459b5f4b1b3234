// The glue between CLI11 and our subcommands: each subcommand registers the action to
// run when it is the one chosen; main() parses, layers the config file under the
// flags and environment, then dispatches.
//
// Precedence, everywhere: flags > environment (CLI11 `envname`) > config file > defaults.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>

namespace vllmctl {

using CommandAction = std::function<int()>;

class CliContext {
 public:
  // The global --config FILE (or $VLLMCTL_CONFIG); empty means "search the defaults".
  std::string config_path;

  // Registers `action` to run when `command` is the deepest subcommand chosen.
  void on_run(CLI::App* command, CommandAction action) { actions_[command] = std::move(action); }
  // Like on_run, for a command that writes the config file (`stack init`): --config names
  // the file to create, so it is not read first.
  void on_run_without_config(CLI::App* command, CommandAction action) {
    no_config_.insert(command);
    on_run(command, std::move(action));
  }

  // After root.parse(): applies the config file to the chosen command's unset options,
  // then runs its action. Returns the process exit code.
  int dispatch(CLI::App& root);

 private:
  std::map<CLI::App*, CommandAction> actions_;
  std::set<CLI::App*> no_config_;
};

}  // namespace vllmctl
