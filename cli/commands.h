// The subcommand table: each `add_*_command` lives in its own file, creates its
// subcommand under `parent`, binds its options and registers its action with `ctx`.
#pragma once

#include "cli/common/cli_context.h"

namespace vllmctl {

void add_version_command(CLI::App& parent, CliContext& ctx);
void add_model_command(CLI::App& parent, CliContext& ctx);
void add_bench_command(CLI::App& parent, CliContext& ctx);
void add_serve_command(CLI::App& parent, CliContext& ctx);
void add_stack_command(CLI::App& parent, CliContext& ctx);
void add_doctor_command(CLI::App& parent, CliContext& ctx);
void add_completion_command(CLI::App& parent, CliContext& ctx);

// `vllmctl model ...`: one file each under cli/model/.
void add_model_demo_command(CLI::App& model, CliContext& ctx);
void add_model_pull_command(CLI::App& model, CliContext& ctx);
void add_model_ls_command(CLI::App& model, CliContext& ctx);
void add_model_inspect_command(CLI::App& model, CliContext& ctx);

// `vllmctl bench ...`: one file each under cli/bench/.
void add_bench_throughput_command(CLI::App& bench, CliContext& ctx);
void add_bench_serve_command(CLI::App& bench, CliContext& ctx);

}  // namespace vllmctl
