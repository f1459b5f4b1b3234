#!/usr/bin/env bash
# `vllmctl bench serve` against a real `vllmctl serve` on the demo model: every request
# succeeds, the token totals are exactly what was asked for (ignore_eos), latencies are
# positive and ordered, the server's own counters agree; bad targets are clear errors.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
use_workdir

port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --api-key k3y --max-model-len 512 > "$work/serve.log" 2>&1 &
pids+=($!)
wait_healthy "$port" "$work/serve.log"
base="http://127.0.0.1:$port"

"$VLLMCTL" bench serve --base-url "$base/v1" --api-key k3y --num-prompts 12 --concurrency 4 \
  --input-len 8:32 --output-len 10 --request-rate 50 --json > "$work/result.json"
/usr/bin/python3 - "$work/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["completed"] == 12 and r["failed"] == 0, r
assert r["total_output_tokens"] == 120, r
assert r["total_input_tokens"] >= 12 * 8, r
assert r["model"] == "demo" and r["concurrency"] == 4 and r["request_rate"] == 50, r
for k in ("ttft", "tpot", "itl", "e2el"):
    assert 0 < r[f"median_{k}_ms"] <= r[f"p99_{k}_ms"], (k, r)
assert r["mean_ttft_ms"] < r["mean_e2el_ms"], r
assert r["output_throughput"] > 0 and r["request_throughput"] > 0, r
PY
# The server saw the same traffic.
# Captured first: `curl | grep -q` dies of SIGPIPE under pipefail once /metrics is long.
metrics=$(curl -sf "$base/metrics")
grep -q '^vllm:generation_tokens_total{engine="0",model_name="demo"} 120.0$' <<<"$metrics"

# The text table, with a tokenizer for exact prompt lengths.
"$VLLMCTL" bench serve --base-url "$base" --api-key k3y --num-prompts 3 --output-len 4 --input-len 16 \
  --tokenizer "$XDG_CACHE_HOME/vllmctl/demo-model" > "$work/table.txt"
grep -q 'Successful requests: *3' "$work/table.txt"
grep -q 'Total input tokens: *48' "$work/table.txt"
grep -q 'P99 TTFT (ms):' "$work/table.txt"

# Failures are reported, not hidden.
expect_fail "answered 401" "$VLLMCTL" bench serve --base-url "$base" --num-prompts 1
expect_fail "cannot reach http://127.0.0.1:1" "$VLLMCTL" bench serve --base-url http://127.0.0.1:1 --num-prompts 1
expect_fail "input-len" "$VLLMCTL" bench serve --base-url "$base" --input-len 0 --model demo
expect_fail "Failed requests: *2" "$VLLMCTL" bench serve --base-url "$base" --api-key k3y --model demo \
  --num-prompts 2 --input-len 600
echo "bench_serve: ok"
