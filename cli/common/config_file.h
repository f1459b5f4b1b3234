// The TOML config file as the lowest layer under flags and environment variables.
//
// A command's options live in the table named by its path: `vllmctl serve --max-model-len`
// reads [serve] max_model_len; `vllmctl model demo --seed` reads [model.demo] seed.
// Keys are long option names with '-' written as '_'. An unknown key in a command's
// table is an error that names the key, the file and the keys that are valid.
#pragma once

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vllmctl {

// The file to read: `explicit_path` if given (must exist), else the first that exists of
// ./vllmctl.toml, $XDG_CONFIG_HOME/vllmctl/vllmctl.toml (~/.config/...),
// /etc/vllmctl/vllmctl.toml. nullopt when none exists.
std::optional<std::filesystem::path> find_config_file(const std::string& explicit_path);

// `chain` is the subcommand path from the root's child to the chosen command
// (e.g. {model, demo}). Sets every option of `command` that the command line and
// environment left unset from the file's table for that path. Throws
// std::runtime_error naming file, key and fix on a parse error, an unknown key or a
// value of the wrong type.
void apply_config_file(const std::filesystem::path& file, const std::vector<CLI::App*>& chain);

// The file as a TOML table; std::runtime_error "FILE:LINE:COL: invalid TOML: ..." on a
// parse error.
toml::table parse_toml_file(const std::filesystem::path& file);

}  // namespace vllmctl
