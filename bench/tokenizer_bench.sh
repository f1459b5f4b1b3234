#!/usr/bin/env bash
# Single-thread encode throughput of our tokenizer vs @huggingface/tokenizers (npm) on
# the same few MB of mixed text (this repo's code and docs + random mixed-script lines),
# in one run. Needs a build with test_text and tests/peers/node_modules.
#   bench/tokenizer_bench.sh [--build DIR] [--tokenizer DIR] [--mb N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
tokenizer_dir=../shared/fixtures/qwen2.5-tokenizer
mb=4
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --tokenizer) tokenizer_dir="$2"; shift 2 ;;
    --mb) mb="$2"; shift 2 ;;
    *) echo "tokenizer_bench.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
tokenizer_dir=$(cd "$tokenizer_dir" && pwd)
test_text="$build/tests/test_text"
[ -x "$test_text" ] || { echo "no $test_text: build the test_text target first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Half English prose and code (this repo's sources and docs), half mixed scripts.
half=$((mb * 500000))
: > "$work/code.txt"
while [ "$(stat -c %s "$work/code.txt")" -lt "$half" ]; do
  find engine cli docs tests/unit -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.md' \) \
    -print0 | sort -z | xargs -0 cat >> "$work/code.txt"
done
head -c "$half" "$work/code.txt" | iconv -c -f utf-8 -t utf-8 > "$work/text.txt"
(cd tests/peers && node tokenizer_peer.mjs text "$work/mixed.txt" "$half")
cat "$work/mixed.txt" >> "$work/text.txt"
bytes=$(stat -c %s "$work/text.txt")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "text: $bytes bytes; tokenizer: $tokenizer_dir"
ours=$(VLLMCTL_BENCH_TOKENIZER="$tokenizer_dir/tokenizer.json" VLLMCTL_BENCH_TEXT="$work/text.txt" \
       "$test_text" --no-skip --test-case="bench: *" | grep '^ours_encode')
peer=$(cd tests/peers && node tokenizer_peer.mjs bench "$tokenizer_dir" "$work/text.txt")
echo "$ours"
echo "$peer"
ours_tokens=$(echo "$ours" | awk '{print $4}')
peer_tokens=$(echo "$peer" | awk '{print $4}')
[ "$ours_tokens" = "$peer_tokens" ] || echo "WARNING: token counts differ ($ours_tokens vs $peer_tokens)"
