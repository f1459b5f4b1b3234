#!/usr/bin/env bash
# `vllmctl serve` on the built-in demo model, driven over HTTP: health, models,
# completions and chat (JSON and SSE), vLLM's error shapes, the API key, /metrics
# counting what was sent, --disable-log-stats, and a clean exit on SIGTERM.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
use_workdir

port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --api-key sekret --max-model-len 256 > "$work/serve.log" 2>&1 &
pids+=($!); server=$!
wait_healthy "$port" "$work/serve.log"
base="http://127.0.0.1:$port"
auth=(-H "Authorization: Bearer sekret" -H "Content-Type: application/json")

/usr/bin/python3 - "$base" <<'PY'
import json, sys, urllib.request, urllib.error
base = sys.argv[1]
H = {"Authorization": "Bearer sekret", "Content-Type": "application/json"}

def call(path, body=None, headers=H, method=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)

s, b, _ = call("/v1/models")
assert s == 200 and json.loads(b)["data"][0]["id"] == "demo", b
assert json.loads(b)["data"][0]["max_model_len"] == 256, b

# Completions: exactly max_tokens tokens with ignore_eos; usage adds up.
s, b, _ = call("/v1/completions", {"model": "demo", "prompt": "Hello", "max_tokens": 7, "temperature": 0, "ignore_eos": True})
r = json.loads(b)
assert s == 200 and r["object"] == "text_completion", b
assert r["usage"]["completion_tokens"] == 7 and r["choices"][0]["finish_reason"] == "length", b
assert r["usage"]["total_tokens"] == r["usage"]["prompt_tokens"] + 7, b
greedy_text = r["choices"][0]["text"]

# Seeds reproduce; n > 1 gives n choices; logprobs come back.
body = {"prompt": "Hello", "max_tokens": 6, "temperature": 1.0, "seed": 42, "ignore_eos": True, "n": 3, "logprobs": 2}
a, b2 = json.loads(call("/v1/completions", body)[1]), json.loads(call("/v1/completions", body)[1])
assert [c["text"] for c in a["choices"]] == [c["text"] for c in b2["choices"]], (a, b2)
assert len(a["choices"]) == 3 and len(a["choices"][0]["logprobs"]["token_logprobs"]) == 6, a
assert len(a["choices"][0]["logprobs"]["top_logprobs"][0]) <= 2, a

# Chat, streamed: role chunk first, [DONE] last, usage chunk with choices [] when asked.
req = urllib.request.Request(base + "/v1/chat/completions", headers=H, data=json.dumps({
    "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "ignore_eos": True,
    "stream": True, "stream_options": {"include_usage": True}}).encode())
with urllib.request.urlopen(req, timeout=60) as r:
    assert r.headers["Content-Type"].startswith("text/event-stream"), r.headers
    events = [l[6:] for l in r.read().decode().split("\n") if l.startswith("data: ")]
assert events[-1] == "[DONE]", events
chunks = [json.loads(e) for e in events[:-1]]
assert chunks[0]["choices"][0]["delta"]["role"] == "assistant", chunks[0]
assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 5, chunks[-1]
finals = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
assert len(finals) == 1 and finals[0]["choices"][0]["finish_reason"] == "length", chunks

# Non-streamed chat.
s, b, _ = call("/v1/chat/completions", {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}], "max_tokens": 4})
assert s == 200 and json.loads(b)["choices"][0]["message"]["role"] == "assistant", b

# Stop strings cut the text before the stop string.
if len(greedy_text) > 3:
    stop = greedy_text[2:4]
    s, b, _ = call("/v1/completions", {"prompt": "Hello", "max_tokens": 7, "temperature": 0, "ignore_eos": True, "stop": stop})
    r = json.loads(b)["choices"][0]
    assert r["finish_reason"] == "stop" and r["stop_reason"] == stop and r["text"] == greedy_text[:greedy_text.find(stop)], r

# Errors, in vLLM's shape and status.
def expect_error(status, etype, body, path="/v1/completions", headers=H, raw=None):
    s, b, _ = call(path, raw if raw is not None else body, headers=headers)
    assert s == status, (s, b)
    if status != 401:
        e = json.loads(b)["error"]
        assert e["type"] == etype and e["code"] == status and e["message"], b
    return b
expect_error(400, "BadRequestError", {"prompt": "x", "temperature": -1})
expect_error(400, "BadRequestError", {"prompt": "x", "top_p": 0})
expect_error(404, "NotFoundError", {"prompt": "x", "model": "gpt-4"})
expect_error(400, "BadRequestError", None, raw=b"{not json")
expect_error(400, "BadRequestError", {"prompt": "x" * 400})                       # over max-model-len
expect_error(400, "BadRequestError", {"prompt": "x", "max_tokens": 1000})         # prompt + max_tokens too long
expect_error(400, "BadRequestError", {"prompt": "x", "stream_options": {"include_usage": True}})
b = expect_error(401, "", {"prompt": "x"}, headers={"Content-Type": "application/json"})
assert json.loads(b) == {"error": "Unauthorized"}, b
assert call("/v1/models", headers={})[0] == 401
assert call("/health", headers={})[0] == 200   # only /v1 needs the key

# tokenize / detokenize round trip.
s, b, _ = call("/tokenize", {"prompt": "Hello world"})
toks = json.loads(b)["tokens"]
assert json.loads(call("/detokenize", {"tokens": toks})[1])["prompt"] == "Hello world"
print("api checks passed")
PY

# /metrics: vLLM's names, counting what was sent (1 + 2x3 + 1 + 1 + (0/1 stop) requests).
metrics=$(curl -sf "$base/metrics" -D "$work/headers")
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$work/headers"
grep -q '^vllm:generation_tokens_total{engine="0",model_name="demo"} ' <<<"$metrics"
grep -q 'vllm:time_to_first_token_seconds_bucket{engine="0",le="1.0",model_name="demo"}' <<<"$metrics"
/usr/bin/python3 - <<PY
import re
text = """$metrics"""
vals = {m.group(1): float(m.group(2)) for m in re.finditer(r'^(vllm:[a-z_]+_total)\{engine="0",model_name="demo"\} (\S+)$', text, re.M)}
succ = sum(float(v) for v in re.findall(r'^vllm:request_success_total\{[^}]*\} (\S+)$', text, re.M))
count = float(re.search(r'^vllm:e2e_request_latency_seconds_count\{[^}]*\} (\S+)$', text, re.M).group(1))
assert succ == count >= 9, (succ, count)
assert vals["vllm:generation_tokens_total"] >= 7 + 36 + 5 + 1, vals
assert float(re.search(r'^vllm:num_requests_running\{[^}]*\} (\S+)$', text, re.M).group(1)) == 0.0
PY

# SIGTERM: exit 0.
kill -TERM "$server"
rc=0; wait "$server" || rc=$?
[ "$rc" -eq 0 ] || { echo "serve exited $rc on SIGTERM" >&2; cat "$work/serve.log" >&2; exit 1; }

# --disable-log-stats: /metrics has no vllm: samples (vLLM's behaviour), the server works.
port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --disable-log-stats > "$work/quiet.log" 2>&1 &
pids+=($!); quiet=$!
wait_healthy "$port" "$work/serve.log"
curl -sf "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' -d '{"prompt":"hi","max_tokens":2}' >/dev/null
quiet_metrics=$(curl -sf "http://127.0.0.1:$port/metrics")
if grep -q '^vllm:' <<<"$quiet_metrics"; then echo "vllm: samples despite --disable-log-stats" >&2; exit 1; fi
kill -TERM "$quiet"; wait "$quiet"

# A port in use is a clear error.
expect_fail "cannot listen on 127.0.0.1:$port|in use" bash -c "
  /usr/bin/python3 -c 'import socket,time; s=socket.socket(); s.bind((\"127.0.0.1\",$port)); s.listen(); time.sleep(30)' & sleep 0.5
  \"$VLLMCTL\" serve --host 127.0.0.1 --port $port; rc=\$?; kill %1; exit \$rc"
echo "serve_api: ok"
