#!/usr/bin/env bash
# End-to-end check of /metrics against a real Prometheus server (the seed guide's
# validation): `vllmctl serve` on the demo model, a private Prometheus scraping it every
# second, a few requests with known token counts, then Prometheus' HTTP API must show the
# target up with no scrape error and the counters equal to what was sent.
# Needs /usr/bin/prometheus and promtool (Debian's `prometheus` package, installed by
# `bash packaging/setup.sh --test`).
set -euo pipefail
source "$(dirname "$0")/lib.bash"

for tool in prometheus promtool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "prometheus_scrape: '$tool' is not installed; run 'bash packaging/setup.sh --test'" \
         "(it installs Debian's prometheus package) before the tests" >&2
    exit 1
  fi
done

work=$(mktemp -d)
export XDG_CACHE_HOME="$work/cache"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
dump_logs() { local f; for f in "$work"/*.log; do echo "=== $f" >&2; tail -n 40 "$f" >&2; done; }

# 1. The server.
port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --max-model-len 256 > "$work/serve.log" 2>&1 &
pids+=($!)
wait_healthy "$port" "$work/serve.log"
base="http://127.0.0.1:$port"

# The exposition must parse; lint findings are fine (vLLM's own names have ':' and
# vllm:iteration_tokens_total is a histogram, which promtool's linter dislikes).
curl -sf "$base/metrics" > "$work/metrics.txt"
rc=0; promtool check metrics < "$work/metrics.txt" > "$work/promtool.out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] || grep -qi 'error' "$work/promtool.out"; then
  echo "promtool cannot parse /metrics (rc $rc):" >&2; cat "$work/promtool.out" >&2; exit 1
fi

# 2. Prometheus, scraping it every second.
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vllm
    scrape_interval: 1s
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
start_prometheus "$work/prometheus.yml" || { dump_logs; exit 1; }

# poll_prom TIMEOUT_S EXPECTED_JSON: poll the query API until every PromQL expression (key)
# evaluates to the expected number (value); on timeout print what was last seen and fail.
poll_prom() {
  /usr/bin/python3 - "$prom" "$1" "$2" <<'PY'
import json, sys, time, urllib.parse, urllib.request
prom, timeout, want = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
def query(expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    res = body["data"]["result"]
    return None if not res else float(res[0]["value"][1])
deadline, seen = time.monotonic() + timeout, {}
while True:
    try:
        seen = {e: query(e) for e in want}
    except Exception as ex:  # Prometheus still starting up
        seen = {"error": repr(ex)}
    if all(seen.get(e) == v for e, v in want.items()):
        sys.exit(0)
    if time.monotonic() > deadline:
        print(f"Prometheus never showed {want}; last seen {seen}", file=sys.stderr)
        sys.exit(1)
    time.sleep(0.25)
PY
}

# 3. Before any request: the target is up and the default series exist at 0.
poll_prom 30 '{"up{job=\"vllm\"}": 1,
               "sum(vllm:generation_tokens_total{job=\"vllm\"})": 0,
               "sum(vllm:request_success_total{job=\"vllm\"})": 0,
               "vllm:num_requests_running{job=\"vllm\",engine=\"0\",model_name=\"demo\"}": 0}' ||
  { dump_logs; exit 1; }

# 4. Requests with known token counts (ignore_eos + max_tokens: exactly max_tokens each).
gen=0; prompt=0; n=0
send() {  # send PATH JSON MAX_TOKENS
  local out
  out=$(curl -sf "$base$1" -H 'Content-Type: application/json' -d "$2") ||
    { echo "request to $1 failed: $2" >&2; dump_logs; exit 1; }
  read -r ct pt < <(/usr/bin/python3 -c 'import json,sys; u=json.load(sys.stdin)["usage"]; print(u["completion_tokens"], u["prompt_tokens"])' <<<"$out")
  [ "$ct" -eq "$3" ] || { echo "asked for $3 tokens, got $ct: $out" >&2; exit 1; }
  gen=$((gen + ct)); prompt=$((prompt + pt)); n=$((n + 1))
}
for mt in 3 5 8 13; do
  send /v1/completions "{\"model\":\"demo\",\"prompt\":\"Hello number $mt\",\"max_tokens\":$mt,\"ignore_eos\":true}" "$mt"
done
send /v1/chat/completions '{"model":"demo","messages":[{"role":"user","content":"hi"}],"max_tokens":6,"ignore_eos":true}' 6
echo "sent $n requests: $prompt prompt tokens, $gen generated tokens"

# 5. Prometheus must see exactly that (sums over every label set of each family).
poll_prom 30 "{\"up{job=\\\"vllm\\\"}\": 1,
               \"sum(vllm:generation_tokens_total)\": $gen,
               \"sum(vllm:prompt_tokens_total)\": $prompt,
               \"sum(vllm:request_success_total)\": $n,
               \"sum(vllm:request_success_total{finished_reason=\\\"length\\\"})\": $n,
               \"sum(vllm:e2e_request_latency_seconds_count)\": $n,
               \"sum(vllm:request_generation_tokens_sum)\": $gen,
               \"sum(vllm:num_requests_running)\": 0,
               \"sum(vllm:kv_cache_usage_perc)\": 0}" ||
  { dump_logs; exit 1; }

# 6. The target list: our job, healthy, no scrape error.
/usr/bin/python3 - "$prom" "127.0.0.1:$port" <<'PY' || { dump_logs; exit 1; }
import json, sys, urllib.request
prom, target = sys.argv[1], sys.argv[2]
with urllib.request.urlopen(prom + "/api/v1/targets", timeout=5) as r:
    body = json.load(r)
assert body["status"] == "success", body
ours = [t for t in body["data"]["activeTargets"] if t["labels"].get("job") == "vllm"]
assert len(ours) == 1, body
t = ours[0]
assert t["labels"]["instance"] == target, t
assert t["scrapeUrl"] == f"http://{target}/metrics", t
assert t["health"] == "up", t
assert t["lastError"] == "", t
PY

# No warnings from Prometheus about the scrapes (e.g. bad content type, duplicate series).
if grep -Ei 'level=(warn|error)' "$work/prometheus.log"; then
  echo "prometheus logged warnings/errors while scraping" >&2; exit 1
fi
echo "prometheus_scrape: ok"
