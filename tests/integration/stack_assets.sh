#!/usr/bin/env bash
# The dashboards and alert rules `vllmctl stack` ships (assets/dashboards/*.json and
# templates/prometheus/vllm-alerts.yml.j2, taken as `vllmctl stack render` writes them with
# the default config: exactly what an installed binary ships), checked three ways:
#  (a) promtool check rules, then promtool test rules with stack_assets_rules_test.yml: each
#      alert fires on a synthetic series past its threshold and stays quiet on a healthy one.
#      The unit test runs against a copy of the rules without annotations (their prose would
#      have to be repeated verbatim in every expected alert); check rules validates their
#      templates.
#  (b) the dashboards' structure (stack_assets.mjs static): JSON, uid, variables, unique panel
#      ids, every panel on ${datasource}, units, V1 names only, guarded divisions, NaN-free
#      percentiles, $__rate_interval windows.
#  (c) live: `vllmctl serve` on the demo model, a private Prometheus scraping it every second
#      with the rules loaded and remote-writing to a private VictoriaMetrics (the stack's
#      pipeline), some chat and completion traffic (concurrent, streamed, shared prefixes);
#      then every dashboard query, variable query and alert expression runs against
#      Prometheus (stack_assets.mjs live; its header says how the alert thresholds are
#      handled), no alert may be pending or firing, every metric name the assets use must be
#      on the server's /metrics, and every dashboard query also runs against VictoriaMetrics
#      (the dashboards' other datasource).
# Run by hand: bash tests/integration/stack_assets.sh (VLLMCTL defaults to build/vllmctl).
# Needs prometheus, promtool, victoria-metrics (Debian packages) and node >= 18:
# `bash packaging/setup.sh --test`. Takes about 15-20 s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${VLLMCTL_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
: "${VLLMCTL:=$VLLMCTL_SOURCE_DIR/build/vllmctl}"
export VLLMCTL
source "$here/lib.bash"

for tool in prometheus promtool victoria-metrics node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "stack_assets: '$tool' is not installed; run 'bash packaging/setup.sh --test'" >&2
    exit 1
  fi
done

mjs=$here/stack_assets.mjs

work=$(mktemp -d)
export XDG_CACHE_HOME="$work/cache"
pids=()
cleanup() {  # newest first: Prometheus flushes its remote write to a live VictoriaMetrics
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
dump_logs() { local f; for f in "$work"/*.log; do [ -e "$f" ] || continue; echo "=== $f" >&2; tail -n 40 "$f" >&2; done; }

# What the binary renders with the default config (an empty config file, so no
# vllmctl.toml of this machine is read).
: > "$work/empty.toml"
"$VLLMCTL" --config "$work/empty.toml" stack render --runtime native --out "$work/rendered" > /dev/null
rules=$work/rendered/prometheus/rules/vllm-alerts.yml
dashboards=("$work/rendered/grafana/dashboards/vllm-overview.json" "$work/rendered/grafana/dashboards/vllm-fleet.json")

# (a) The rule file.
promtool check rules "$rules"
# Drop every `annotations:` block (the lines indented deeper than it) for the unit test.
awk '
  /^[ ]*annotations:/ { ind = match($0, /[^ ]/); skip = 1; next }
  skip { if ($0 ~ /^[ ]*$/ || match($0, /[^ ]/) > ind) next; skip = 0 }
  { print }' "$rules" > "$work/vllm-alerts.yml"
grep -q 'alert:' "$work/vllm-alerts.yml" && ! grep -q 'annotations:' "$work/vllm-alerts.yml"
sed "s#RULES_FILE#$work/vllm-alerts.yml#" "$here/stack_assets_rules_test.yml" \
  > "$work/rules_test.yml"
grep -q "$work/vllm-alerts.yml" "$work/rules_test.yml"
promtool test rules "$work/rules_test.yml"

# (b) The dashboards, statically (the scanner's own unit checks first).
node "$mjs" selftest
node "$mjs" static "${dashboards[@]}"

# (c) A server, a Prometheus with the rules, traffic, then every expression.
port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --max-model-len 512 > "$work/serve.log" 2>&1 &
pids+=($!)
wait_healthy "$port" "$work/serve.log"
base="http://127.0.0.1:$port"
curl -sf "$base/v1/models" >/dev/null  # so http_requests_total exists before the baseline scrapes

# VictoriaMetrics: -search.latencyOffset=1s (default 30s) so fresh samples are queryable.
vm_port=$(free_port)
victoria-metrics -httpListenAddr="127.0.0.1:$vm_port" -storageDataPath="$work/vmdata" \
  -search.latencyOffset=1s -search.disableCache -loggerLevel=WARN > "$work/victoria-metrics.log" 2>&1 &
pids+=($!)
vm="http://127.0.0.1:$vm_port"

cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
remote_write:
  - url: $vm/api/v1/write
    queue_config:
      batch_send_deadline: 1s
scrape_configs:
  - job_name: vllm
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
start_prometheus "$work/prometheus.yml" --storage.remote.flush-deadline=2s || { dump_logs; exit 1; }
for i in $(seq 1 150); do
  curl -sf "$vm/health" >/dev/null 2>&1 && break
  [ "$i" -eq 150 ] && { echo "victoria-metrics never became ready" >&2; dump_logs; exit 1; }
  sleep 0.1
done
# Two samples in both stores before any traffic, so every rate() has one from before it
# (remote write starts a few seconds after Prometheus' first scrapes).
for store in "$prom" "$vm"; do
  for i in $(seq 1 200); do
    n=$(curl -sf "$store/api/v1/query" --data-urlencode 'query=count_over_time(up{job="vllm"}[1m]) >= 2 and up{job="vllm"} == 1' |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.result.length))' || echo 0)
    [ "$n" = 1 ] && break
    [ "$i" -eq 200 ] && { echo "$store never held two scrapes of the server" >&2; dump_logs; exit 1; }
    sleep 0.1
  done
done

finished=$(timeout 60 node "$mjs" traffic "$base") || { echo "traffic failed" >&2; dump_logs; exit 1; }
echo "sent $finished requests"
curl -sf "$base/metrics" > "$work/metrics.txt"
echo "against Prometheus:"
timeout 90 node "$mjs" live "$prom" "$work/metrics.txt" "$finished" "${dashboards[@]}" ||
  { dump_logs; exit 1; }
echo "against VictoriaMetrics (dashboards only):"
timeout 60 node "$mjs" live-dashboards "$vm" "$work/metrics.txt" "$finished" "${dashboards[@]}" ||
  { dump_logs; exit 1; }

if grep -Ei 'level=(warn|error)' "$work/prometheus.log"; then
  echo "prometheus logged warnings/errors (rule evaluation or scrapes)" >&2; exit 1
fi
echo "stack_assets: ok"
