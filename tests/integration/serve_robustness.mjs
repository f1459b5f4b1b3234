// Load client for serve_robustness.sh (Node 20, standard library only).
// Usage: node serve_robustness.mjs BASE_URL
//  (a) 200 concurrent streaming clients, /v1/completions and /v1/chat/completions mixed:
//      every one must get 200, a complete SSE stream ending in `data: [DONE]` and exactly
//      max_tokens tokens (ignore_eos).
//  (b1) 100 streaming clients that destroy their socket after 1-3 chunks, then (b2) 20
//      non-streaming clients that hang up once the engine runs their requests: after each,
//      /metrics must come back to no running/waiting request and kv_cache_usage_perc 0 within
//      10 s, none of them may count as finished (vLLM counts only engine-side finishes in
//      request_success_total; a frontend abort is not counted, not even under
//      finished_reason="abort"), and a normal request must still be served.
// Exits non-zero with every failure printed.
import http from 'node:http';

const base = new URL(process.argv[2]);
const failures = [];
const fail = (msg) => { failures.push(msg); };
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One HTTP request on its own connection (agent: false), so destroying it closes the socket.
// onData(chunkText, req) may destroy the request; resolves {status, headers, body, error, destroyed}.
function request(method, path, body, { onData, timeoutMs = 30000 } = {}) {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({
      host: base.hostname, port: base.port, path, method, agent: false,
      headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
    });
    let done = false;
    const finish = (r) => { if (!done) { done = true; clearTimeout(timer); resolve(r); } };
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, error: `no complete answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (e) => finish({ status: 0, error: String(e), destroyed: req.destroyed }));
    req.on('response', (res) => {
      const parts = [];
      res.setEncoding('utf8');
      res.on('data', (d) => {
        parts.push(d);
        if (onData && onData(parts.join(''), req)) {
          finish({ status: res.statusCode, headers: res.headers, body: parts.join(''), destroyed: true });
        }
      });
      res.on('end', () => finish({ status: res.statusCode, headers: res.headers, body: parts.join('') }));
      res.on('error', (e) => finish({ status: res.statusCode, error: String(e), body: parts.join('') }));
      res.on('aborted', () => finish({ status: res.statusCode, error: 'response aborted by the server', body: parts.join('') }));
    });
    if (payload) req.write(payload);
    req.end();
  });
}

// SSE events ("data: ..." payloads) in a body, complete events only.
function sseEvents(text) {
  const events = [];
  const blocks = text.split('\n\n');
  blocks.pop();  // an incomplete tail (or '' after the last separator)
  for (const b of blocks) {
    for (const line of b.split('\n')) if (line.startsWith('data: ')) events.push(line.slice(6));
  }
  return events;
}

async function metrics() {
  const r = await request('GET', '/metrics', undefined, { timeoutMs: 5000 });
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status} ${r.error ?? ''}`);
  // name -> sum over every label set
  const sums = {};
  for (const line of r.body.split('\n')) {
    const m = /^(vllm:[a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) continue;
    let key = m[1];
    const reason = /finished_reason="([a-z]+)"/.exec(m[2] ?? '');
    if (reason) key += `{${reason[1]}}`;
    sums[key] = (sums[key] ?? 0) + Number(m[3]);
  }
  return sums;
}

// Growth of a metric (summed over its label sets) between two metrics() snapshots.
const d = (after, prev, k) => (after[k] ?? 0) - (prev[k] ?? 0);

// ---------------------------------------------------------------- (a) 200 streaming clients
async function streamingClient(i) {
  const chat = i % 2 === 1;
  const maxTokens = 8 + (i % 17);         // 8..24, known per client
  const logprobs = i % 4 < 2;             // half count tokens through logprobs as well
  const body = chat
    ? { model: 'demo', messages: [{ role: 'user', content: `client ${i}: tell me something` }] }
    : { model: 'demo', prompt: `client ${i} says hello` };
  Object.assign(body, { max_tokens: maxTokens, ignore_eos: true, stream: true,
                        stream_options: { include_usage: true } });
  if (logprobs) body.logprobs = chat ? true : 0;
  const path = chat ? '/v1/chat/completions' : '/v1/completions';
  const what = `(a) client ${i} ${path} max_tokens=${maxTokens}${logprobs ? ' logprobs' : ''}`;
  const r = await request('POST', path, body, { timeoutMs: 20000 });
  if (r.status !== 200) return fail(`${what}: HTTP ${r.status} ${r.error ?? ''} ${(r.body ?? '').slice(0, 300)}`);
  if (r.error) return fail(`${what}: ${r.error}`);
  if (!String(r.headers['content-type']).startsWith('text/event-stream'))
    return fail(`${what}: content-type ${r.headers['content-type']}`);
  if (!r.body.endsWith('\n\n')) return fail(`${what}: stream does not end with a blank line: ${JSON.stringify(r.body.slice(-80))}`);
  const events = sseEvents(r.body);
  if (events.at(-1) !== '[DONE]') return fail(`${what}: last event is not [DONE]: ${JSON.stringify(events.at(-1))}`);
  if (events.indexOf('[DONE]') !== events.length - 1) return fail(`${what}: [DONE] before the end`);
  let chunks;
  try { chunks = events.slice(0, -1).map((e) => JSON.parse(e)); } catch (e) {
    return fail(`${what}: a chunk is not JSON: ${e}`);
  }
  if (chunks.some((c) => c.error)) return fail(`${what}: error chunk ${JSON.stringify(chunks.find((c) => c.error))}`);
  const ids = new Set(chunks.map((c) => c.id));
  if (ids.size !== 1) return fail(`${what}: ${ids.size} different ids in one stream`);
  const usage = chunks.at(-1);
  if (!usage.usage || usage.choices.length !== 0) return fail(`${what}: last chunk is not the usage chunk: ${JSON.stringify(usage)}`);
  if (usage.usage.completion_tokens !== maxTokens)
    return fail(`${what}: usage.completion_tokens ${usage.usage.completion_tokens}`);
  const choiceChunks = chunks.slice(0, -1);
  const finals = choiceChunks.filter((c) => c.choices[0]?.finish_reason);
  if (finals.length !== 1 || finals[0] !== choiceChunks.at(-1) || finals[0].choices[0].finish_reason !== 'length')
    return fail(`${what}: expected one final chunk with finish_reason "length", got ${JSON.stringify(finals.map((c) => c.choices[0].finish_reason))}`);
  if (chat && choiceChunks[0].choices[0].delta.role !== 'assistant') return fail(`${what}: first chunk has no assistant role`);
  if (logprobs) {
    const n = choiceChunks.reduce((s, c) => s + (chat ? (c.choices[0].logprobs?.content?.length ?? 0)
                                                      : (c.choices[0].logprobs?.tokens?.length ?? 0)), 0);
    if (n !== maxTokens) return fail(`${what}: ${n} tokens in the streamed logprobs`);
  }
  return maxTokens;
}

const before = await metrics();
let t = performance.now();
const resultsA = await Promise.all(Array.from({ length: 200 }, (_, i) => streamingClient(i)));
const tokensA = resultsA.reduce((s, n) => s + (typeof n === 'number' ? n : 0), 0);
console.log(`(a) 200 concurrent streams: ${resultsA.filter((n) => typeof n === 'number').length} complete, ` +
            `${tokensA} tokens in ${((performance.now() - t) / 1000).toFixed(2)} s`);
const afterA = await metrics();
if (d(afterA, before, 'vllm:request_success_total{length}') !== 200)
  fail(`(a) request_success_total{finished_reason="length"} grew by ${d(afterA, before, 'vllm:request_success_total{length}')}, not 200`);
if (d(afterA, before, 'vllm:generation_tokens_total') !== tokensA)
  fail(`(a) generation_tokens_total grew by ${d(afterA, before, 'vllm:generation_tokens_total')}, not ${tokensA}`);

// ----------------------------------------------- (b) clients that hang up mid-generation
const ABORT_MAX_TOKENS = 1500;  // far more than can be generated before the hang-up
const QUITTERS = 100, IMPATIENT = 20;
async function abandoningStream(i) {
  const chat = i % 2 === 0;
  const stopAfter = 1 + (i % 3);  // 1..3 chunks
  const body = chat
    ? { model: 'demo', messages: [{ role: 'user', content: `quitter ${i}` }] }
    : { model: 'demo', prompt: `quitter ${i}` };
  Object.assign(body, { max_tokens: ABORT_MAX_TOKENS, ignore_eos: true, stream: true });
  const path = chat ? '/v1/chat/completions' : '/v1/completions';
  const r = await request('POST', path, body, {
    timeoutMs: 20000,
    onData: (text, req) => {
      if (sseEvents(text).length < stopAfter) return false;
      req.destroy();  // closes the socket: RST/FIN to the server mid-stream
      return true;
    },
  });
  if (r.status !== 200 || !r.destroyed)
    fail(`(b) quitter ${i} ${path}: expected a 200 stream we hang up on, got HTTP ${r.status} ${r.error ?? ''} ${(r.body ?? '').slice(0, 300)}`);
}
const busy = (m) => m['vllm:num_requests_running'] !== 0 || m['vllm:num_requests_waiting'] !== 0 ||
                    m['vllm:kv_cache_usage_perc'] !== 0;
const gauges = (m) => `num_requests_running=${m['vllm:num_requests_running']} ` +
  `num_requests_waiting=${m['vllm:num_requests_waiting']} kv_cache_usage_perc=${m['vllm:kv_cache_usage_perc']}`;

// After hang-ups: the server must notice and free everything within 10 s and stay so (a request
// it forgot to abort would show up again as running); none of the abandoned requests may count
// as finished (vLLM: frontend aborts move no request_success_total series, `abort` included, and
// no e2e latency observation); the tokens generated before the hang-up are still counted.
async function expectAborted(label, count, prev) {
  const t = performance.now();
  let m = await metrics();
  while (busy(m) && performance.now() - t < 10000) {
    await sleep(100);
    m = await metrics();
  }
  if (busy(m)) {
    fail(`${label}: 10 s after the hang-ups the server still has ${gauges(m)}`);
  } else {
    console.log(`${label}: server idle again ${((performance.now() - t) / 1000).toFixed(2)} s after the hang-ups`);
    await sleep(1000);
    m = await metrics();
    if (busy(m)) fail(`${label}: 1 s after going idle the server has ${gauges(m)} again`);
  }
  for (const reason of ['stop', 'length', 'abort', 'error']) {
    const k = `vllm:request_success_total{${reason}}`;
    if (d(m, prev, k) !== 0)
      fail(`${label}: request_success_total{finished_reason="${reason}"} grew by ${d(m, prev, k)} after ${count} client ` +
           `hang-ups (vLLM counts no frontend abort there)`);
  }
  if (d(m, prev, 'vllm:e2e_request_latency_seconds_count') !== 0)
    fail(`${label}: e2e_request_latency_seconds_count grew by ${d(m, prev, 'vllm:e2e_request_latency_seconds_count')} for aborted requests`);
  const tokens = d(m, prev, 'vllm:generation_tokens_total');
  if (!(tokens > 0 && tokens < count * ABORT_MAX_TOKENS / 2))
    fail(`${label}: generation_tokens_total grew by ${tokens} for ${count} abandoned requests (some, but far ` +
         `fewer than ${count} x ${ABORT_MAX_TOKENS}, expected)`);
  console.log(`${label}: the abandoned requests generated ${tokens} tokens in all`);
  return m;
}

// (b1) streams dropped after 1-3 chunks.
t = performance.now();
await Promise.all(Array.from({ length: QUITTERS }, (_, i) => abandoningStream(i)));
console.log(`(b1) ${QUITTERS} streams abandoned in ${((performance.now() - t) / 1000).toFixed(2)} s`);
const afterB1 = await expectAborted('(b1)', QUITTERS, afterA);

// (b2) non-streamed requests dropped once the engine runs them (before that, a hang-up could
// land before the server even read the request), long before their 1500 tokens are done.
t = performance.now();
const impatient = Array.from({ length: IMPATIENT }, (_, i) => {
  const path = i % 2 ? '/v1/chat/completions' : '/v1/completions';
  const body = i % 2 ? { messages: [{ role: 'user', content: `impatient ${i}` }] } : { prompt: `impatient ${i}` };
  const payload = Buffer.from(JSON.stringify(Object.assign(body, { max_tokens: ABORT_MAX_TOKENS, ignore_eos: true })));
  const req = http.request({ host: base.hostname, port: base.port, path, method: 'POST', agent: false,
                             headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length } });
  const state = { req, answered: null };
  req.on('response', (res) => { state.answered = res.statusCode; res.resume(); });
  req.on('error', () => {});
  req.end(payload);
  return state;
});
let running = 0;
while (performance.now() - t < 10000) {
  running = (await metrics())['vllm:num_requests_running'];
  if (running >= IMPATIENT) break;
  await sleep(20);
}
if (running < IMPATIENT) fail(`(b2) only ${running} of ${IMPATIENT} non-streamed requests were running after 10 s`);
for (const s of impatient) s.req.destroy();
const early = impatient.filter((s) => s.answered !== null).map((s) => s.answered);
if (early.length) fail(`(b2) ${early.length} non-streamed ${ABORT_MAX_TOKENS}-token requests answered before the hang-up (statuses ${early})`);
console.log(`(b2) ${IMPATIENT} non-streamed requests abandoned ${((performance.now() - t) / 1000).toFixed(2)} s after sending, ${running} running`);
await expectAborted('(b2)', IMPATIENT, afterB1);

// The server still serves.
const r = await request('POST', '/v1/completions', { model: 'demo', prompt: 'still there?', max_tokens: 5, ignore_eos: true });
if (r.status !== 200) fail(`after (b): normal request got HTTP ${r.status} ${r.error ?? ''} ${r.body ?? ''}`);
else if (JSON.parse(r.body).usage.completion_tokens !== 5) fail(`after (b): wrong usage ${r.body}`);

if (failures.length) {
  console.error(`${failures.length} failure(s):`);
  for (const f of failures.slice(0, 40)) console.error('  ' + f);
  if (failures.length > 40) console.error(`  ... and ${failures.length - 40} more`);
  process.exit(1);
}
console.log(`serve_robustness client: all checks passed in ${elapsed()}`);
