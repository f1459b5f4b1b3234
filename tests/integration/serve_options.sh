#!/usr/bin/env bash
# `vllmctl serve` options around the API: --metrics-port, --legacy-metrics, CORS
# (--allowed-origins and friends), --generation-config, --enable-log-requests, the
# http_* and process_* families, several prompts in one completions request, and clear
# errors for bad option values.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
use_workdir

# 1. Defaults plus --metrics-port, --legacy-metrics, --enable-log-requests, a
#    --generation-config folder that sets max_new_tokens 3.
mkdir -p "$work/gen"
echo '{"max_new_tokens": 3, "temperature": 0.0}' > "$work/gen/generation_config.json"
port=$(free_port); mport=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --metrics-port "$mport" --legacy-metrics \
  --enable-log-requests --enable-prompt-tokens-details --generation-config "$work/gen" --max-model-len 256 > "$work/serve.log" 2>&1 &
pids+=($!); server=$!
wait_healthy "$port" "$work/serve.log"
base="http://127.0.0.1:$port"

/usr/bin/python3 - "$base" "http://127.0.0.1:$mport" <<'PY'
import json, sys, urllib.request, urllib.error
base, mbase = sys.argv[1], sys.argv[2]

def call(url, body=None, headers=None, method=None):
    h = {"Content-Type": "application/json", **(headers or {})}
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode(), {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), {k.lower(): v for k, v in e.headers.items()}

# --generation-config: max_new_tokens 3 is the default max_tokens; an explicit one wins.
s, b, _ = call(base + "/v1/completions", {"prompt": "Hello", "ignore_eos": True})
assert s == 200 and json.loads(b)["usage"]["completion_tokens"] == 3, b
s, b, _ = call(base + "/v1/completions", {"prompt": "Hello", "ignore_eos": True, "max_tokens": 5})
assert json.loads(b)["usage"]["completion_tokens"] == 5, b

# Several prompts: choices in prompt-major order (prompt k, sample i -> k * n + i), usage
# summed, each prompt's choices equal to sending it alone (greedy).
alone = [json.loads(call(base + "/v1/completions", {"prompt": p, "max_tokens": 4, "temperature": 0,
                                                     "ignore_eos": True})[1])["choices"][0]["text"]
         for p in ("Hello", "Goodbye there")]
s, b, _ = call(base + "/v1/completions", {"prompt": ["Hello", "Goodbye there"], "max_tokens": 4, "n": 2,
                                          "temperature": 0, "ignore_eos": True})
r = json.loads(b)
assert s == 200 and [c["index"] for c in r["choices"]] == [0, 1, 2, 3], b
assert [c["text"] for c in r["choices"]] == [alone[0], alone[0], alone[1], alone[1]], (alone, b)
assert r["usage"]["completion_tokens"] == 16, b
# The same, streamed: every choice index gets its text and one finish_reason.
req = urllib.request.Request(base + "/v1/completions", headers={"Content-Type": "application/json"}, data=json.dumps(
    {"prompt": [[9, 10, 11], "Goodbye there"], "max_tokens": 4, "temperature": 0, "ignore_eos": True,
     "stream": True}).encode())
with urllib.request.urlopen(req, timeout=60) as resp:
    events = [l[6:] for l in resp.read().decode().split("\n") if l.startswith("data: ")]
assert events[-1] == "[DONE]", events
texts, finishes = {}, {}
for e in events[:-1]:
    for c in json.loads(e)["choices"]:
        texts[c["index"]] = texts.get(c["index"], "") + c["text"]
        if c["finish_reason"]:
            finishes[c["index"]] = finishes.get(c["index"], 0) + 1
assert texts[1] == alone[1] and finishes == {0: 1, 1: 1}, (texts, finishes)
s, b, _ = call(base + "/v1/completions", {"prompt": ["ok", ""], "max_tokens": 2})
assert s == 400 and json.loads(b)["error"]["param"] == "prompt", b
s, b, _ = call(base + "/v1/completions", {"prompt": [[1, 2], [99999999]], "max_tokens": 2})
assert s == 400 and "vocabulary" in json.loads(b)["error"]["message"], b

# --enable-prompt-tokens-details: the second identical prompt is served from the prefix
# cache (whole 16-token blocks), and usage says so, streamed too.
long_prompt = "The quick brown fox jumps over the lazy dog. " * 3
first = json.loads(call(base + "/v1/completions", {"prompt": long_prompt, "max_tokens": 1})[1])["usage"]
second = json.loads(call(base + "/v1/completions", {"prompt": long_prompt, "max_tokens": 1})[1])["usage"]
assert first["prompt_tokens_details"]["cached_tokens"] == 0, first
cached = second["prompt_tokens_details"]["cached_tokens"]
assert cached >= 16 and cached % 16 == 0 and cached < second["prompt_tokens"], second
req = urllib.request.Request(base + "/v1/completions", headers={"Content-Type": "application/json"}, data=json.dumps(
    {"prompt": long_prompt, "max_tokens": 2, "stream": True, "stream_options": {"include_usage": True}}).encode())
with urllib.request.urlopen(req, timeout=60) as resp:
    events = [l[6:] for l in resp.read().decode().split("\n") if l.startswith("data: ")]
assert json.loads(events[-2])["usage"]["prompt_tokens_details"]["cached_tokens"] == cached, events[-2]

# truncate_prompt_tokens keeps the last k tokens; out-of-range values are 400s.
s, b, _ = call(base + "/v1/completions", {"prompt": [5, 6, 7, 8, 9, 10], "max_tokens": 1, "truncate_prompt_tokens": 2})
assert s == 200 and json.loads(b)["usage"]["prompt_tokens"] == 2, b
s, b, _ = call(base + "/v1/completions", {"prompt": "x" * 300, "max_tokens": 1, "truncate_prompt_tokens": -1})
assert s == 400, b  # truncated to max_model_len 256, no room left for output
s, b, _ = call(base + "/v1/completions", {"prompt": "hi", "truncate_prompt_tokens": 0})
assert s == 400 and json.loads(b)["error"]["param"] == "truncate_prompt_tokens", b

# response_format: text is plain generation; a kind vllmctl cannot enforce is refused,
# not ignored (json_object and json_schema are covered by openai_client.sh).
s, b, _ = call(base + "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2,
                                               "response_format": {"type": "text"}})
assert s == 200, b
s, b, _ = call(base + "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}],
                                               "response_format": {"type": "structural_tag"}})
assert s == 400 and json.loads(b)["error"]["param"] == "response_format", b

# /tokenize with return_token_strs: one vocabulary string per id, joining to the text
# in the byte-level alphabet (spaces as "Ġ").
s, b, _ = call(base + "/tokenize", {"prompt": "Hello world", "return_token_strs": True})
r = json.loads(b)
assert s == 200 and len(r["token_strs"]) == r["count"] == len(r["tokens"]), b
assert "".join(r["token_strs"]).replace("\u0120", " ") == "Hello world", b

# CORS with vLLM's defaults: any origin gets the wildcard; preflights are answered.
s, _, h = call(base + "/v1/models", headers={"Origin": "https://ui.example"})
assert s == 200 and h.get("access-control-allow-origin") == "*", h
s, body, h = call(base + "/v1/chat/completions", method="OPTIONS", headers={
    "Origin": "https://ui.example", "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type"})
assert s == 200 and h["access-control-allow-headers"] == "authorization,content-type", (s, h)
assert "POST" in h["access-control-allow-methods"] and h["access-control-max-age"] == "600", h

# /metrics on both ports; legacy names, http_* and process_* are there.
s, main_text, h = call(base + "/metrics")
s2, side_text, _ = call(mbase + "/metrics")
assert s == 200 and s2 == 200 and h["content-type"] == "text/plain; version=0.0.4; charset=utf-8", h
for text in (main_text, side_text):
    for needle in ('vllm:gpu_cache_usage_perc{engine="0",model_name="', "vllm:time_per_output_token_seconds_bucket{",
                   "vllm:avg_generation_throughput_toks_per_s{", "vllm:cpu_cache_usage_perc{",
                   'http_requests_total{handler="/v1/completions",method="POST",status="2xx"}',
                   'http_requests_total{handler="/v1/completions",method="POST",status="4xx"} 4.0',
                   "http_request_duration_highr_seconds_count", "process_resident_memory_bytes ",
                   "process_cpu_seconds_total ", "process_open_fds ", "vllm:gpu_prefix_cache_queries_total{",
                   "vllm:num_requests_swapped{", "vllm:prompt_tokens_created{"):
        assert needle in text, needle
    # prometheus_client's process collector writes no _created series; neither do we.
    assert "process_cpu_seconds_created" not in text
assert call(mbase + "/v1/models")[0] == 404  # the metrics port serves /metrics only
print("serve options: api checks passed")
PY

# --enable-log-requests: one line per prompt with its parameters.
grep -q 'Received request cmpl-[0-9a-f]*: prompt: "Hello", params: SamplingParams(n=1,.*max_tokens=3' "$work/serve.log" \
  || { echo "no request log line" >&2; cat "$work/serve.log" >&2; exit 1; }
grep -q 'Received request cmpl-[0-9a-f]*-1: prompt: "Goodbye there"' "$work/serve.log"
# A second server on the same port is refused (httplib's default SO_REUSEPORT would
# have let it share the port silently).
expect_fail "cannot listen on 127.0.0.1:$port" "$VLLMCTL" serve --host 127.0.0.1 --port "$port"
kill -TERM "$server"; wait "$server"

# 2. An origin list, --generation-config vllm, --disable-log-stats: CORS refuses other
#    origins, max_tokens falls back to 16, /metrics keeps http_* and process_* only.
port=$(free_port)
"$VLLMCTL" serve --host 127.0.0.1 --port "$port" --allowed-origins '["https://grafana.example"]' \
  --generation-config vllm --disable-log-stats --max-model-len 256 > "$work/strict.log" 2>&1 &
pids+=($!); strict=$!
wait_healthy "$port" "$work/strict.log"
base="http://127.0.0.1:$port"
n=$(curl -sf "$base/v1/completions" -H 'Content-Type: application/json' -d '{"prompt":"Hi","ignore_eos":true}' \
  | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["usage"]["completion_tokens"])')
[ "$n" = 16 ] || { echo "--generation-config vllm: expected 16 tokens, got $n" >&2; exit 1; }
if curl -sf "$base/v1/completions" -H 'Content-Type: application/json' -d '{"prompt":"Hi","max_tokens":1}' | grep -q prompt_tokens_details; then
  echo "prompt_tokens_details without --enable-prompt-tokens-details" >&2; exit 1
fi
curl -sf -D - -o /dev/null -H 'Origin: https://grafana.example' "$base/v1/models" | tr -d '\r' > "$work/h1"
grep -qi '^access-control-allow-origin: https://grafana.example$' "$work/h1"
grep -qi '^vary: origin$' "$work/h1"
curl -sf -D - -o /dev/null -H 'Origin: https://evil.example' "$base/v1/models" | tr -d '\r' > "$work/h2"
if grep -qi '^access-control-allow-origin' "$work/h2"; then echo "CORS allowed an unlisted origin" >&2; exit 1; fi
code=$(curl -s -o "$work/pre" -w '%{http_code}' -X OPTIONS -H 'Origin: https://evil.example' \
  -H 'Access-Control-Request-Method: POST' "$base/v1/completions")
[ "$code" = 400 ] && grep -q 'Disallowed CORS origin' "$work/pre"
curl -sf "$base/metrics" > "$work/quiet_metrics"
if grep -q '^vllm:' "$work/quiet_metrics"; then echo "vllm: samples despite --disable-log-stats" >&2; exit 1; fi
grep -q '^http_requests_total{handler="/v1/completions",method="POST",status="2xx"} 2.0$' "$work/quiet_metrics"
grep -q '^process_resident_memory_bytes ' "$work/quiet_metrics"
kill -TERM "$strict"; wait "$strict"

# 3. Bad values are clear errors naming the option.
expect_fail "allowed-origins" "$VLLMCTL" serve --allowed-origins '["x"' --port 1
expect_fail "metrics-port" "$VLLMCTL" serve --port 8123 --metrics-port 8123
expect_fail "generation-config .*no generation_config.json" "$VLLMCTL" serve --generation-config "$work/nowhere" --port "$(free_port)"
echo "serve_options: ok"
