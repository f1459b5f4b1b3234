#!/usr/bin/env bash
# Online serving benchmarks for docs/benchmarks.md: `vllmctl bench serve` against
# `vllmctl serve` on the demo model and on the qwen2.5-0.5b preset (CPU), the server's
# overhead per streamed token (client-side ITL minus the engine's own ITL from /metrics),
# and /metrics scrape time (idle and under load).
#   bench/serve.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build}/vllmctl")
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# scrape_ms URL N: mean and p99 milliseconds of N sequential GET /metrics.
scrape_ms() {
  for _ in $(seq 1 "$2"); do curl -s -o /dev/null -w '%{time_total}\n' "$1/metrics"; done |
    /usr/bin/python3 -c 'import sys; v=sorted(float(x)*1000 for x in sys.stdin); print(f"mean {sum(v)/len(v):.2f} ms, p99 {v[int(0.99*(len(v)-1))]:.2f} ms, {len(v)} scrapes")'
}

# engine_itl_ms URL: the engine's mean inter-token latency from /metrics.
engine_itl_ms() {
  curl -s "$1/metrics" | /usr/bin/python3 -c '
import re, sys
t = sys.stdin.read()
s = float(re.search(r"^vllm:inter_token_latency_seconds_sum\{[^}]*\} (\S+)$", t, re.M).group(1))
c = float(re.search(r"^vllm:inter_token_latency_seconds_count\{[^}]*\} (\S+)$", t, re.M).group(1))
print(f"{1000 * s / c:.3f}" if c else "nan")'
}

run_case() {  # run_case NAME MODEL_ARGS... -- BENCH_ARGS...
  local name=$1; shift
  local serve_args=() bench_args=()
  while [ "$1" != "--" ]; do serve_args+=("$1"); shift; done; shift
  bench_args=("$@")
  local port; port=$(free_port)
  XDG_CACHE_HOME="$work/cache" "$bin" serve --host 127.0.0.1 --port "$port" "${serve_args[@]}" > "$work/$name.log" 2>&1 &
  local pid=$!; pids+=($pid)
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  local base="http://127.0.0.1:$port"
  echo "== $name: serve ${serve_args[*]}"
  echo "   /metrics scrape, idle: $(scrape_ms "$base" 200)"
  "$bin" bench serve --base-url "$base" "${bench_args[@]}" --json > "$work/$name.json" &
  local bench=$!
  sleep 1
  echo "   /metrics scrape, under load: $(scrape_ms "$base" 50)"
  wait $bench
  /usr/bin/python3 - "$work/$name.json" "$(engine_itl_ms "$base")" "${bench_args[*]}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); engine_itl = float(sys.argv[2])
print(f"   bench serve {sys.argv[3]}")
print(f"   completed {r['completed']}/{r['completed'] + r['failed']} in {r['duration']:.2f} s: "
      f"{r['request_throughput']:.2f} req/s, {r['output_throughput']:.1f} output tok/s, {r['total_token_throughput']:.1f} total tok/s")
for k, label in (("ttft", "TTFT"), ("tpot", "TPOT"), ("itl", "ITL"), ("e2el", "E2EL")):
    print(f"   {label:5} mean {r[f'mean_{k}_ms']:9.2f}  median {r[f'median_{k}_ms']:9.2f}  p99 {r[f'p99_{k}_ms']:9.2f} ms")
print(f"   server overhead per streamed token: client ITL {r['mean_itl_ms']:.3f} ms - engine ITL {engine_itl:.3f} ms "
      f"= {r['mean_itl_ms'] - engine_itl:.3f} ms")
PY
  kill -TERM "$pid"; wait "$pid" || true
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
run_case demo-c1 --max-model-len 1024 -- --num-prompts 32 --concurrency 1 --input-len 128 --output-len 128
run_case demo-c32 --max-model-len 1024 -- --num-prompts 256 --concurrency 32 --input-len 128 --output-len 128
run_case demo-c200 --max-model-len 1024 -- --num-prompts 400 --concurrency 200 --input-len 64 --output-len 64

qwen=${VLLMCTL_BENCH_MODEL:-/tmp/vllmctl-bench/qwen2.5-0.5b}
if [ ! -f "$qwen/model.safetensors" ]; then
  "$bin" model demo --out "$qwen" --preset qwen2.5-0.5b --tokenizer ../shared/fixtures/qwen2.5-tokenizer --force >/dev/null
fi
run_case qwen-c1 "$qwen" --device cpu --max-model-len 1024 -- --num-prompts 4 --concurrency 1 --input-len 64 --output-len 32 --tokenizer "$qwen"
run_case qwen-c8 "$qwen" --device cpu --max-model-len 1024 -- --num-prompts 16 --concurrency 8 --input-len 64 --output-len 32 --tokenizer "$qwen"
