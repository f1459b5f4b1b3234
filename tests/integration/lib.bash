# Shared helpers for the integration scripts (sourced, not run).
: "${VLLMCTL:?set VLLMCTL to the vllmctl binary (ctest does this)}"

# expect_fail PATTERN CMD...: CMD must exit non-zero and print PATTERN (grep -E) on stderr/stdout.
expect_fail() {
  local pattern=$1; shift
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "expected failure, got success: $*" >&2; echo "$out" >&2; return 1
  fi
  if ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "expected output matching '$pattern' from: $*" >&2; echo "$out" >&2; return 1
  fi
}
