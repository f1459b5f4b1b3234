#!/usr/bin/env bash
# The CLI as a person meets it: help, version (text and JSON), usage errors that name
# the bad value, and the config file layered under flags.
set -euo pipefail
source "$(dirname "$0")/lib.bash"

# Outputs are captured first: `cmd | grep -q` under pipefail fails when grep exits early
# and cmd gets SIGPIPE.
help=$("$VLLMCTL" --help)
grep -q "Subcommands:" <<<"$help"
grep -q "model" <<<"$help"
version=$("$VLLMCTL" version)
grep -Eq "^vllmctl [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]+" <<<"$version"
grep -Eq "^build: +(CUDA [0-9.]+ .* and CPU backends|CPU backend only)" <<<"$version"
# Which backend `serve --device auto` takes here, and why, in words.
grep -Eq "^backend: serve --device auto uses the (CPU|GPU): .+" <<<"$version"
"$VLLMCTL" version --json | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v["build"] in ("cpu", "cuda"), v
assert v["version"].count(".") == 2, v
assert isinstance(v["devices"], list) and isinstance(v["cuda_usable"], bool), v
assert v["auto_device"] in ("cpu", "cuda") and v["auto_device_reason"], v
assert isinstance(v["cublaslt_found"], bool) and v["cublaslt"], v
if not v["cuda_usable"]:
    assert v["auto_device"] == "cpu", v
'

# An unknown subcommand and an unknown flag are usage errors that name the bad word.
expect_fail 'frobnicate' "$VLLMCTL" frobnicate
expect_fail '--frob' "$VLLMCTL" version --frob

# A config file that does not exist is named, with the fix.
expect_fail "config file '/nonexistent.toml' does not exist" "$VLLMCTL" --config /nonexistent.toml version
VLLMCTL_CONFIG=/nonexistent.toml expect_fail "does not exist" "$VLLMCTL" version

# An unknown key in a command's table is named with the valid keys; the rest is ignored.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf '[version]\njsn = true\n' > "$work/bad.toml"
expect_fail "unknown key 'jsn' in \[version\]; valid keys: json" "$VLLMCTL" --config "$work/bad.toml" version
printf '[version]\njson = true\n[stack]\nanything = 1\n' > "$work/good.toml"
"$VLLMCTL" --config "$work/good.toml" version | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)'
(cd "$work" && cp good.toml vllmctl.toml && "$VLLMCTL" version | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)')
echo "cli_basics: ok"
