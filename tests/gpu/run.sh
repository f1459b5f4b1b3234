#!/usr/bin/env bash
# Runs every build-gpu/*_test binary (build them with tests/gpu/build.sh), then each again
# under `compute-sanitizer --tool memcheck` when compute-sanitizer is installed. Fails if a
# test fails or the sanitizer reports an error. Without a CUDA device each test prints
# SKIPPED and passes (and the sanitizer pass is skipped).
#   bash tests/gpu/run.sh [name_filter]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
filter="${1:-}"
shopt -s nullglob
bins=(build-gpu/*_test)
(( ${#bins[@]} )) || { echo "run.sh: no build-gpu/*_test; run tests/gpu/build.sh first" >&2; exit 1; }
sanitizer="$(command -v compute-sanitizer || true)"
[[ -z "$sanitizer" && -x /usr/local/cuda/bin/compute-sanitizer ]] && sanitizer=/usr/local/cuda/bin/compute-sanitizer

failed=()
for bin in "${bins[@]}"; do
  name="$(basename "$bin")"
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  echo "=== $name"
  log="$(mktemp)"
  "$bin" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if (( rc != 0 )); then
    failed+=("$name")
  elif grep -q '^SKIPPED' "$log"; then
    :  # no device: nothing for the sanitizer to check
  elif [[ -n "$sanitizer" ]]; then
    echo "=== $name under compute-sanitizer memcheck"
    # GPU_CHECK_QUICK=1 lets a test run a smaller set under the (slow) sanitizer.
    GPU_CHECK_QUICK=1 "$sanitizer" --tool memcheck --error-exitcode 3 --leak-check full "$bin" >"$log" 2>&1
    src=$?
    tail -n 5 "$log"
    if (( src != 0 )); then
      grep -E '^=+ (ERROR|Invalid|Program hit)|=========' "$log" | head -40
      failed+=("$name (memcheck)")
    fi
  fi
  rm -f "$log"
done
if (( ${#failed[@]} )); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all GPU tests passed"
