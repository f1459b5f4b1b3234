#!/usr/bin/env bash
# `vllmctl bench throughput` on the built-in demo model: every requested token is
# generated, JSON output parses, and bad arguments are named with a fix.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"   # the demo model is written here, not in ~/.cache

"$VLLMCTL" bench throughput --num-prompts 12 --input-len 5:40 --output-len 8 --max-model-len 128 \
  --device cpu --json > "$work/out.json"
/usr/bin/python3 - "$work/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["num_prompts"] == 12, r
assert r["output_tokens"] == 12 * 8, r
assert 12 * 5 <= r["prompt_tokens"] <= 12 * 40, r
assert r["output_tokens_per_s"] > 0 and r["device"] == "cpu", r
PY
test -f "$work/cache/vllmctl/demo-model/model.safetensors"

# Preemption under a tiny KV cache still finishes every request.
"$VLLMCTL" bench throughput --num-prompts 16 --input-len 30:60 --output-len 20:40 --max-model-len 128 \
  --device cpu --kv-cache-gib 0.0002 --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["num_preemptions"] > 0, r
assert 16 * 20 <= r["output_tokens"] <= 16 * 40, r
'

expect_fail "--input-len 'abc' is not a length" "$VLLMCTL" bench throughput --input-len abc
expect_fail "exceeds --max-model-len" "$VLLMCTL" bench throughput --input-len 100 --output-len 100 --max-model-len 150
expect_fail "--device 'tpu' is not one of auto, cpu, cuda" "$VLLMCTL" bench throughput --device tpu --num-prompts 1 --input-len 4 --output-len 4
expect_fail "no usable GPU|not part of this build" "$VLLMCTL" bench throughput --device cuda --num-prompts 1 --input-len 4 --output-len 4
echo "bench_throughput: ok"
