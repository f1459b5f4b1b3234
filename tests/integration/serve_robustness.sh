#!/usr/bin/env bash
# `vllmctl serve` under load and under misbehaving clients (client: serve_robustness.mjs):
# (a) 200 concurrent streaming completions/chat requests all complete correctly;
# (b) 100 streams dropped after 1-3 chunks, then 20 non-streamed requests dropped while they run,
#     are aborted: running/waiting go back to 0, every KV block is freed, nothing is
#     counted as a finished request, and a normal request is still served;
# (c) the server is still alive afterwards and its log shows no crash.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
command -v node >/dev/null || { echo "serve_robustness: node (20+) is needed; run 'bash packaging/setup.sh --test'" >&2; exit 1; }

use_workdir

port=$(free_port)
# --max-num-seqs 256: all 200 clients of (a) run at once; --max-model-len 2048: room for the
# 1500-token requests that (b) abandons.
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --max-model-len 2048 --max-num-seqs 256 \
  > "$work/serve.log" 2>&1 &
pids+=($!); server=$!
wait_healthy "$port" "$work/serve.log"

rc=0
# A burst of connections needs a real accept queue: with a tiny listen(2) backlog (cpp-httplib's
# default CPPHTTPLIB_LISTEN_BACKLOG is 5) the kernel drops handshakes and clients stall for
# seconds in SYN-ACK/RTO back-off. uvicorn (vLLM) listens with a backlog of 2048.
if command -v ss >/dev/null; then
  backlog=$(ss -Hltn "sport = :$port" | awk '{print $3; exit}')
  want=256; somaxconn=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 4096)
  [ "$somaxconn" -lt "$want" ] && want=$somaxconn   # the kernel caps the backlog at somaxconn
  if [ -n "$backlog" ] && [ "$backlog" -lt "$want" ]; then
    echo "serve listens on port $port with a backlog of $backlog (ss Send-Q); bursts of clients" \
         "overflow it (vLLM/uvicorn: 2048). Build with -DCPPHTTPLIB_LISTEN_BACKLOG=2048 or similar." >&2
    rc=1
  fi
fi
timeout 120 node "$(dirname "$0")/serve_robustness.mjs" "http://127.0.0.1:$port" || rc=$?

# (c) Alive, healthy, and no crash or error in the log.
alive=1
if ! kill -0 "$server" 2>/dev/null; then
  alive=0; wait "$server" || echo "serve exited with status $?" >&2
  echo "the server died during the test" >&2; rc=1
elif ! curl -sf -m 5 "http://127.0.0.1:$port/health" >/dev/null; then
  echo "the server no longer answers /health" >&2; rc=1
fi
if grep -Eai 'terminate called|segmentation|sanitizer|core dumped|panic|fatal|^ERROR|^CRITICAL| ERROR ' "$work/serve.log" >&2; then
  echo "the server log shows errors (above)" >&2; rc=1
fi
if [ "$alive" -eq 1 ]; then
  kill -TERM "$server"
  if timeout 15 tail --pid="$server" -f /dev/null; then
    src=0; wait "$server" || src=$?
    [ "$src" -eq 0 ] || { echo "serve exited $src on SIGTERM" >&2; rc=1; }
  else
    echo "serve did not exit within 15 s of SIGTERM" >&2; rc=1
    kill -KILL "$server" 2>/dev/null || true
  fi
fi
if [ "$rc" -ne 0 ]; then
  echo "--- serve.log (last 60 lines)" >&2; tail -n 60 "$work/serve.log" >&2
  exit 1
fi
echo "serve_robustness: ok"
