#!/usr/bin/env bash
# `vllmctl stack up --runtime native` end to end: `vllmctl serve` (demo model), the stack
# (Debian's prometheus and victoria-metrics binaries, started by vllmctl) with the target
# written as host.docker.internal, and traffic. Then: the target is UP within two scrape
# intervals; every expression of the shipped dashboards and alert rules returns data from
# the stack's Prometheus (stack_assets.mjs live); VictoriaMetrics holds the same series; a
# config change reloads Prometheus in place; `stack down` leaves no process behind; a
# second `stack up` still has the earlier samples; `down --volumes --yes` deletes them.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
for tool in prometheus victoria-metrics node; do
  command -v "$tool" >/dev/null || { echo "stack_native: '$tool' is missing; run 'bash packaging/setup.sh --test'" >&2; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
use_workdir
stack_pids() { pgrep -f "$work/stack/" || true; }
# Whatever happens, no stack process outlives the test.
trap 'pkill -f "$work/stack/" 2>/dev/null || true; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
dump() { for f in "$work"/*.log "$work"/stack/logs/*.log; do [ -e "$f" ] && { echo "=== $f" >&2; tail -n 30 "$f" >&2; }; done; true; }

port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" > "$work/serve.log" 2>&1 &
pids+=($!)
wait_healthy "$port" "$work/serve.log"

prom_port=$(free_port); vm_port=$(free_port); graf_port=$(free_port)
cat > "$work/vllmctl.toml" <<TOML
[stack]
directory = "$work/stack"
runtime = "native"
scrape_interval = "1s"
prometheus_port = $prom_port
victoriametrics_port = $vm_port
grafana_port = $graf_port
[[stack.targets]]
name = "local"
url = "http://host.docker.internal:$port"
TOML
stack() { "$VLLMCTL" --config "$work/vllmctl.toml" stack "$@"; }

start=$(date +%s)
stack up > "$work/up.out" 2>&1 || { cat "$work/up.out" >&2; dump; exit 1; }
grep -q "\[up  \] vllm-local" "$work/up.out" || { echo "target not reported up:" >&2; cat "$work/up.out" >&2; dump; exit 1; }
echo "stack up took $(( $(date +%s) - start )) s"
prom="http://127.0.0.1:$prom_port"; vm="http://127.0.0.1:$vm_port"

# Traffic, then every shipped expression against the stack's own Prometheus.
finished=$(timeout 60 node "$here/stack_assets.mjs" traffic "http://127.0.0.1:$port") || { dump; exit 1; }
curl -sf "http://127.0.0.1:$port/metrics" > "$work/metrics.txt"
timeout 120 node "$here/stack_assets.mjs" live "$prom" "$work/metrics.txt" "$finished" \
  "$work"/stack/grafana/dashboards/vllm-overview.json "$work"/stack/grafana/dashboards/vllm-fleet.json || { dump; exit 1; }

# VictoriaMetrics has the same vllm: series as Prometheus (remote write).
series() {  # BASE_URL -> sorted label sets of vllm:request_success_total
  curl -sf -G "$1/api/v1/series" --data-urlencode 'match[]=vllm:request_success_total' |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const m of JSON.parse(s).data){const o=Object.keys(m).sort().map(k=>k+"="+m[k]);console.log(o.join(","))}})' | sort
}
for i in $(seq 1 40); do
  [ -n "$(series "$prom")" ] && [ "$(series "$prom")" = "$(series "$vm")" ] && break
  [ "$i" = 40 ] && { echo "VictoriaMetrics series differ from Prometheus':" >&2; series "$prom" >&2; echo --- >&2; series "$vm" >&2; dump; exit 1; }
  sleep 0.5
done

# A config change reloads the running Prometheus (same pid, new label).
prom_pid=$(cat "$work/stack/run/prometheus.pid")
sed -i 's|^url = .*|&\nlabels = { model = "demo-model" }|' "$work/vllmctl.toml"
stack up > "$work/up2.out" 2>&1 || { cat "$work/up2.out" >&2; dump; exit 1; }
[ "$(cat "$work/stack/run/prometheus.pid")" = "$prom_pid" ] || { echo "Prometheus was restarted, not reloaded" >&2; exit 1; }
for i in $(seq 1 40); do
  curl -sf -G "$prom/api/v1/query" --data-urlencode 'query=up{model="demo-model"}' | grep -q '"value"' && break
  [ "$i" = 40 ] && { echo "the reloaded config (label model) never showed up" >&2; dump; exit 1; }
  sleep 0.5
done

# status --json: services running, the target up.
stack status --json > "$work/status.json"
node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const byName = Object.fromEntries(s.services.map((x) => [x.name, x.state]));
  if (byName.prometheus !== "running" || byName.victoriametrics !== "running") throw new Error("services: " + JSON.stringify(s.services));
  const t = s.targets.find((x) => x.job === "vllm-local");
  if (!t || t.health !== "up") throw new Error("targets: " + JSON.stringify(s.targets));
' "$work/status.json"

# Samples so far, then down: nothing of the stack may still run.
sleep 2
count_query='count_over_time(vllm:num_requests_running{job="vllm-local"}[1h])'
before=$(curl -sf -G "$prom/api/v1/query" --data-urlencode "query=$count_query" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).data.result;console.log(r.length?Math.max(...r.map(x=>+x.value[1])):0)})')
[ "$before" -gt 0 ] || { echo "no samples before down" >&2; exit 1; }
stack down > "$work/down.out" 2>&1 || { cat "$work/down.out" >&2; exit 1; }
for i in $(seq 1 50); do [ -z "$(stack_pids)" ] && break; sleep 0.1; done
[ -z "$(stack_pids)" ] || { echo "processes left after stack down: $(stack_pids)" >&2; exit 1; }
expect_fail "does not answer" stack status

# A second up keeps the history: at least as many samples as before the restart.
stack up > "$work/up3.out" 2>&1 || { cat "$work/up3.out" >&2; dump; exit 1; }
after=$(curl -sf -G "$prom/api/v1/query" --data-urlencode "query=$count_query" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).data.result;console.log(r.length?Math.max(...r.map(x=>+x.value[1])):0)})')
[ "$after" -ge "$before" ] || { echo "samples lost across restart: $before before, $after after" >&2; exit 1; }

# down --volumes without --yes off a terminal refuses; with --yes the data goes.
expect_fail "add --yes" stack down --volumes < /dev/null
stack down --volumes --yes > /dev/null
[ ! -e "$work/stack/data" ] || { echo "data left after down --volumes" >&2; exit 1; }
[ -z "$(stack_pids)" ] || { echo "processes left: $(stack_pids)" >&2; exit 1; }
echo "PASS: stack native ($before samples kept across a restart)"
