// The glue between CLI11 and our subcommands: each subcommand registers the action to
// run when it is the one chosen; main() parses, layers the config file under the
// flags and environment, then dispatches.
//
// Precedence, everywhere: flags > environment (CLI11 `envname`) > config file > defaults.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <string>

namespace vllmctl {

using CommandAction = std::function<int()>;

class CliContext {
 public:
  // The global --config FILE (or $VLLMCTL_CONFIG); empty means "search the defaults".
  std::string config_path;

  // Registers `action` to run when `command` is the deepest subcommand chosen.
  void on_run(CLI::App* command, CommandAction action) { actions_[command] = std::move(action); }

  // After root.parse(): applies the config file to the chosen command's unset options,
  // then runs its action. Returns the process exit code.
  int dispatch(CLI::App& root);

 private:
  std::map<CLI::App*, CommandAction> actions_;
};

}  // namespace vllmctl
