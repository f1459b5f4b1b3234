#!/usr/bin/env bash
# Servers started at once on a fresh cache all write the built-in demo model; each must
# come up on a complete copy and leave no staging directory behind. (The deterministic
# regression test of the race doctor_live once hit, a later writer deleting the copy an
# earlier one was loading, is tests/unit/common/builtin_model_test.cpp.)
# Six servers, one empty $XDG_CACHE_HOME, four rounds.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
use_workdir
for round in 1 2 3 4; do
  rm -rf "$XDG_CACHE_HOME"
  ports=()
  for i in 1 2 3 4 5 6; do
    port=$(free_port); ports+=("$port")
    "$VLLMCTL" serve --host 127.0.0.1 --port "$port" > "$work/serve-$round-$i.log" 2>&1 & pids+=($!)
  done
  i=0
  for port in "${ports[@]}"; do
    i=$((i + 1))
    wait_healthy "$port" "$work/serve-$round-$i.log"
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
done
ls "$XDG_CACHE_HOME/vllmctl" | grep -v '^demo-model$' && { echo "staging directories left behind" >&2; exit 1; }
echo "PASS: demo model race"
