# Shared helpers for the integration scripts (sourced, not run).
: "${VLLMCTL:?set VLLMCTL to the vllmctl binary (ctest does this)}"

# expect_fail PATTERN CMD...: CMD must exit non-zero and print PATTERN (grep -E) on stderr/stdout.
expect_fail() {
  local pattern=$1; shift
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "expected failure, got success: $*" >&2; echo "$out" >&2; return 1
  fi
  if ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "expected output matching '$pattern' from: $*" >&2; echo "$out" >&2; return 1
  fi
}

# free_port: a TCP port on loopback nobody listens on right now.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_healthy PORT [LOG...]: wait up to 10 s for GET /health == 200; on timeout print
# the given logs and fail.
wait_healthy() {
  local port=$1; shift
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $port never became healthy" >&2
  local log; for log in "$@"; do cat "$log" >&2; done
  return 1
}

# use_workdir: a temp dir in $work (removed on exit, with every pid in $pids killed) that
# is also $XDG_CACHE_HOME, so the built-in demo model is generated there.
use_workdir() {
  work=$(mktemp -d)
  export XDG_CACHE_HOME="$work/cache"
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
}

# start_prometheus CONFIG [FLAG...]: promtool-checks CONFIG, starts Debian's prometheus on
# a free loopback port with its TSDB and log (prometheus.log) beside CONFIG, adds it to
# $pids, sets $prom to its URL and waits up to 15 s for /-/ready. On failure prints the
# log and fails.
start_prometheus() {
  local config=$1; shift
  local dir; dir=$(dirname "$config")
  promtool check config "$config" > "$dir/promtool-config.out" 2>&1 ||
    { cat "$dir/promtool-config.out" >&2; return 1; }
  local port; port=$(free_port)
  prometheus --config.file="$config" --storage.tsdb.path="$dir/tsdb" --web.listen-address="127.0.0.1:$port" \
    --log.level=warn "$@" > "$dir/prometheus.log" 2>&1 &
  pids+=($!)
  prom="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    curl -sf "$prom/-/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "prometheus never became ready:" >&2; cat "$dir/prometheus.log" >&2
  return 1
}
