#!/usr/bin/env bash
# `vllmctl serve` (built-in demo model, --api-key) driven by the official `openai` npm
# client: models, completions and chat (plain and streamed, n > 1, logprobs, stop
# strings, seeds, usage with ignore_eos) and the client's typed errors (400, 404, 401),
# plus raw invalid JSON. The checks live in tests/peers/openai_client_test.mjs.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
src=${VLLMCTL_SOURCE_DIR:?VLLMCTL_SOURCE_DIR not set}
peers="$src/tests/peers"

if ! command -v node >/dev/null || [ ! -d "$peers/node_modules/openai" ]; then
  echo "SKIPPED: node or tests/peers/node_modules/openai missing (run packaging/setup.sh --test)"
  exit 0
fi

work=$(mktemp -d)
export XDG_CACHE_HOME="$work/cache"   # the demo model is generated here
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --api-key sekret --max-model-len 256 > "$work/serve.log" 2>&1 &
server=$!
wait_healthy "$port" "$work/serve.log"

rc=0
(cd "$peers" && timeout 60 node openai_client_test.mjs "$port" sekret) || rc=$?
if [ "$rc" -ne 0 ]; then
  [ "$rc" -eq 124 ] && echo "FAIL: the openai client test hung (timeout 60 s)"
  if ! kill -0 "$server" 2>/dev/null; then echo "FAIL: the server died"; fi
  echo "--- serve.log (tail)"; tail -n 40 "$work/serve.log"
  exit 1
fi

# The server survived everything and still shuts down cleanly.
kill -TERM "$server"
src_rc=0; wait "$server" || src_rc=$?
server=
[ "$src_rc" -eq 0 ] || { echo "FAIL: serve exited $src_rc on SIGTERM"; tail -n 40 "$work/serve.log"; exit 1; }
echo "PASS: openai client against vllmctl serve"
