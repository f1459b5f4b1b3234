#!/usr/bin/env bash
# Chat-template conformance: renders the corpus (tests/integration/data/chat_corpus.json)
# with every template in ../shared/fixtures/chat-templates using Python's jinja2 (set up
# as transformers does) and @huggingface/jinja, then has our renderer (a case in
# test_jinja) render the same and compare byte for byte.
set -euo pipefail

src=${VLLMCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fixtures=${VLLMCTL_FIXTURES:-$src/../shared/fixtures}
corpus=$src/tests/integration/data/chat_corpus.json
templates=$fixtures/chat-templates
test_bin=${VLLMCTL_TEST_JINJA:-$(dirname "${VLLMCTL:?VLLMCTL must name the built binary}")/tests/test_jinja}

if [ ! -d "$templates" ]; then
  echo "SKIPPED: $templates not found (set VLLMCTL_FIXTURES)"
  exit 0
fi
if ! /usr/bin/python3 -c "import jinja2" 2>/dev/null; then
  echo "SKIPPED: /usr/bin/python3 has no jinja2 (apt-get install python3-jinja2)"
  exit 0
fi
if ! command -v node >/dev/null || [ ! -d "$src/tests/peers/node_modules/@huggingface/jinja" ]; then
  echo "SKIPPED: node or tests/peers/node_modules/@huggingface/jinja missing (npm ci in tests/peers)"
  exit 0
fi
[ -x "$test_bin" ] || { echo "FAIL: $test_bin not built (cmake --build ... --target test_jinja)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$src/tests/peers/render_jinja2.py" "$corpus" "$templates" "$tmp/jinja2.json"
TZ=UTC node "$src/tests/peers/render_hf_jinja.mjs" "$corpus" "$templates" "$tmp/hf.json"

status=0
output=$(VLLMCTL_CHAT_CORPUS=$corpus VLLMCTL_CHAT_EXPECTED_JINJA2=$tmp/jinja2.json \
  VLLMCTL_CHAT_EXPECTED_HF=$tmp/hf.json VLLMCTL_FIXTURES=$fixtures \
  "$test_bin" --test-case='chat conformance*' 2>&1) || status=$?
echo "$output"
if [ "$status" -ne 0 ]; then exit "$status"; fi
# The case must have run (a filter that matches nothing passes too).
grep -Eq "test cases: *1 \| *1 passed" <<<"$output" || { echo "FAIL: the conformance case did not run"; exit 1; }
echo "chat_templates: OK"
