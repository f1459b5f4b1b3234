#!/usr/bin/env bash
# Property test: our tokenizer vs @huggingface/tokenizers (npm) on a few thousand
# deterministic random strings, for the Qwen2.5 fixture and a tiny demo tokenizer.
# The node peer writes strings + its ids to JSONL; the doctest case "peer: ..." in
# test_text (beside the vllmctl binary) compares them with ours and checks round trips.
set -euo pipefail
src=${VLLMCTL_SOURCE_DIR:?VLLMCTL_SOURCE_DIR not set}
fixtures=${VLLMCTL_FIXTURES:?VLLMCTL_FIXTURES not set}
test_text="$(dirname "${VLLMCTL:?VLLMCTL not set}")/tests/test_text"
peers="$src/tests/peers"

if ! command -v node >/dev/null || [ ! -d "$peers/node_modules/@huggingface/tokenizers" ]; then
  echo "SKIPPED: node or tests/peers/node_modules missing (run packaging/setup.sh --test)"
  exit 0
fi
if [ ! -d "$fixtures/qwen2.5-tokenizer" ]; then
  echo "SKIPPED: fixture folder $fixtures/qwen2.5-tokenizer not found"
  exit 0
fi
[ -x "$test_text" ] || { echo "FAIL: $test_text not built (cmake --build ... --target test_text)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

compare() {  # tokenizer_dir count
  local dir=$1 count=$2
  (cd "$peers" && node tokenizer_peer.mjs cases "$dir" "$work/cases.jsonl" "$count")
  local out
  out=$(VLLMCTL_PEER_TOKENIZER="$dir/tokenizer.json" VLLMCTL_PEER_CASES="$work/cases.jsonl" \
        "$test_text" --test-case="peer:*" 2>&1) || { echo "$out"; echo "FAIL: $dir"; exit 1; }
  echo "$out" | grep '^peer: compared'
  # The case must really have run (not skipped).
  echo "$out" | grep -q "^peer: compared $count strings, 0 id mismatches, 0 round-trip failures" \
    || { echo "$out"; echo "FAIL: peer comparison did not run for $dir"; exit 1; }
}

compare "$fixtures/qwen2.5-tokenizer" 3000
(cd "$peers" && node tokenizer_peer.mjs demo "$work/demo")
compare "$work/demo" 1000
echo "PASS: tokenizer matches @huggingface/tokenizers"
