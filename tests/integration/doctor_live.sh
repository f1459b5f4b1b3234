#!/usr/bin/env bash
# `vllmctl doctor` against real things: `vllmctl serve` with and without
# --disable-log-stats (the second is caught, with the fix), and a native Prometheus that
# scrapes a live target, a refused one and an unresolvable host name; exit codes, --strict
# and --json validated.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
command -v prometheus >/dev/null || { echo "doctor_live: prometheus is missing; run 'bash packaging/setup.sh --test'" >&2; exit 1; }
use_workdir
cd "$work"
: > empty.toml  # no stack config of this machine is read
doctor() { "$VLLMCTL" --config "$work/empty.toml" doctor --timeout 20 "$@"; }
json_field() {  # FILE CHECK_ID FIELD
  node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));if(j.schema_version!==1)throw new Error("schema_version");
    const c=j.checks.find(c=>c.id===process.argv[2]);if(!c)throw new Error("no check "+process.argv[2]);
    for(const k of ["id","category","status","message","hint","details"])if(!(k in c))throw new Error("missing "+k);
    console.log(c[process.argv[3]])' "$@"
}

good=$(free_port); quiet=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$good" > good.log 2>&1 & pids+=($!)
"$VLLMCTL" serve --host 127.0.0.1 --port "$quiet" --disable-log-stats > quiet.log 2>&1 & pids+=($!)
wait_healthy "$good" good.log
wait_healthy "$quiet" quiet.log

# 1. A healthy server: every target check passes, the counters move, exit 0.
doctor --category target --target "http://127.0.0.1:$good" > good.out || { cat good.out >&2; exit 1; }
grep -q "moved vllm:request_success_total" good.out
doctor --category target --target "http://127.0.0.1:$good" --json > good.json
[ "$(json_field good.json target.metrics status)" = ok ]
[ "$(json_field good.json target.disable_log_stats status)" = ok ]
[ "$(json_field good.json target.dashboard_names status)" = ok ]

# 2. --disable-log-stats: caught on /metrics and on the process's command line, with the fix; exit 1.
rc=0; doctor --category target --target "http://127.0.0.1:$quiet" --json > quiet.json || rc=$?
[ "$rc" = 1 ] || { echo "expected exit 1 for --disable-log-stats, got $rc" >&2; cat quiet.json >&2; exit 1; }
[ "$(json_field quiet.json target.metrics status)" = fail ]
grep -q "without --disable-log-stats" <<<"$(json_field quiet.json target.metrics hint)"
[ "$(json_field quiet.json target.disable_log_stats status)" = fail ]
grep -q -- "--port $quiet --disable-log-stats" <<<"$(json_field quiet.json target.disable_log_stats message)"
NO_COLOR=1 doctor --category target --target "http://127.0.0.1:$quiet" > quiet.out || true
grep -q "\[FAIL\] /metrics answers but has no vllm: samples" quiet.out
grep -q "fix: restart the server without --disable-log-stats" quiet.out

# 3. Prometheus: up, refused, unresolvable.
refused=$(free_port)
cat > prometheus.yml <<YML
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: vllm-good
    static_configs: [{targets: ["127.0.0.1:$good"]}]
  - job_name: vllm-refused
    static_configs: [{targets: ["127.0.0.1:$refused"]}]
  - job_name: vllm-nohost
    static_configs: [{targets: ["no-such-host.invalid:8000"]}]
YML
start_prometheus "$PWD/prometheus.yml"
for i in $(seq 1 100); do  # all three targets scraped once
  n=$( (curl -sf "$prom/api/v1/targets" 2>/dev/null || true) | grep -oE '"health":"(up|down)"' | wc -l || true)
  [ "$n" = 3 ] && break
  [ "$i" = 100 ] && { echo "prometheus never scraped its targets" >&2; cat prometheus.log >&2; exit 1; }
  sleep 0.2
done

doctor --category prometheus --prometheus "$prom" --target "http://127.0.0.1:$good" --json > p-good.json
[ "$(json_field p-good.json prometheus.ready status)" = ok ]
[ "$(json_field p-good.json prometheus.target status)" = ok ]
# No Grafana or VictoriaMetrics here: warnings, so exit 0, but 1 with --strict.
rc=0; doctor --category prometheus --prometheus "$prom" --target "http://127.0.0.1:$good" --strict > /dev/null || rc=$?
[ "$rc" = 1 ] || { echo "--strict should fail on warnings, got $rc" >&2; exit 1; }

rc=0; doctor --category prometheus --prometheus "$prom" --target "http://127.0.0.1:$refused" --json > p-refused.json || rc=$?
[ "$rc" = 1 ]
[ "$(json_field p-refused.json prometheus.target status)" = fail ]
grep -q "connection refused" <<<"$(json_field p-refused.json prometheus.target message)"
grep -q -- "--host 0.0.0.0" <<<"$(json_field p-refused.json prometheus.target hint)"

rc=0; doctor --category target,prometheus --prometheus "$prom" --target "http://no-such-host.invalid:8000" --json > p-nohost.json || rc=$?
[ "$rc" = 1 ]
[ "$(json_field p-nohost.json target.health status)" = fail ]
grep -q "no such host" <<<"$(json_field p-nohost.json prometheus.target message)"
grep -q "host-gateway" <<<"$(json_field p-nohost.json prometheus.target hint)"
echo "PASS: doctor live"
