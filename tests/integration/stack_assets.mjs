// Checks for the shipped Grafana dashboards and Prometheus alert rules (driven by
// stack_assets.sh; Node 20 built-ins only).
//
//   node stack_assets.mjs static DASHBOARD.json...
//       Structure: valid JSON, uid/schemaVersion, the datasource/model_name/instance/job
//       variables, unique panel ids, non-overlapping grid, every panel and target on
//       ${datasource}, units on every stat/timeseries, current (V1) metric names only,
//       rate()/increase() only over counters and buckets, rate windows from Grafana's
//       variables, every division guarded (`/ (x > 0)` or `/ clamp_min(x, ...)`), every
//       histogram_quantile followed by `>= 0` (drops the NaN of an idle window), and the
//       variable matchers on every vLLM selector.
//   node stack_assets.mjs traffic BASE_URL
//       Sends chat and completion requests (some concurrent, one streamed, several sharing a
//       prompt prefix) and prints how many requests finished.
//   node stack_assets.mjs live PROM_URL METRICS_FILE MIN_FINISHED DASHBOARD.json...
//       Waits until Prometheus has scraped MIN_FINISHED finished requests (and two more
//       scrapes, and two rule evaluations), then queries every dashboard expression and every
//       alert rule (see "How expressions are validated" below).
//   node stack_assets.mjs live-dashboards URL METRICS_FILE MIN_FINISHED DASHBOARD.json...
//       The same for the dashboards only, against any PromQL endpoint (VictoriaMetrics).
//   node stack_assets.mjs selftest
//       The scanner's own unit checks.
//
// How expressions are validated (live):
//   * Dashboard expressions run as Grafana would send them, with $__rate_interval -> 1m,
//     $__interval -> 15s, $__range -> 5m and the template variables ($model_name, $instance,
//     $job) -> .* (what "All" sends). Each must succeed, return at least one series, and
//     contain no NaN or Inf (a guarded dashboard never shows NaN; traffic is in the window).
//     Variable queries label_values(SELECTOR, LABEL) must return at least one value.
//   * Alert rules are read back from Prometheus' /api/v1/rules (so the exact expressions
//     Prometheus parsed from the rule file). On a healthy server under light load every
//     alert must be inactive and its full expression empty; that alone would also pass
//     for a rule whose selector matches nothing (the classic vllm:num_preemptions bug), so
//     each rule is also split into its leaves: the expression tree is cut at its top-level
//     set operators (and / or / unless, dropping on()/ignoring() modifiers), a parenthesised
//     operand is cut again, and each leaf loses its trailing comparison with a number
//     (`> 0.9`, `== 0`). Every leaf must then return data without NaN/Inf: the selectors
//     exist, the ratios are computable, and only the threshold keeps the alert quiet.
//     VllmTargetDown's first leaf is up{job=~"vllm.*"}, so the test's scrape job is "vllm".
//     (Comparisons inside parentheses that are not set-operator operands, such as the
//     `(total > 0)` guard of a ratio, are kept: they are part of the value, not a threshold.)
//   * Every metric name in any expression must be a sample name in the server's /metrics
//     (`up` excepted: Prometheus makes it).
import { readFileSync } from 'node:fs';

const LEGACY = [
  /vllm:gpu_cache_usage_perc/, /vllm:cpu_cache_usage_perc/, /vllm:num_requests_swapped/,
  /vllm:(gpu|cpu)_prefix_cache/, /vllm:avg_(prompt|generation)_throughput_toks_per_s/,
  /vllm:time_per_output_token_seconds/, /vllm:time_in_queue_requests/,
  /vllm:model_(forward|execute)_time_milliseconds/, /vllm:tokens_total/,
  /vllm:num_preemptions(?!_total)\b/, /vllm:prompt_tokens(?![_a-z])/, /vllm:generation_tokens(?![_a-z])/,
  /vllm:request_success(?!_total)\b/,
];
const DS = { type: 'prometheus', uid: '${datasource}' };
const SUBST = [['$__rate_interval', '1m'], ['${__rate_interval}', '1m'], ['$__interval', '15s'],
  ['${__interval}', '15s'], ['$__range', '5m'], ['${__range}', '5m']];
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'by', 'without', 'on', 'ignoring',
  'group_left', 'group_right', 'offset', 'inf', 'nan', 'Inf', 'NaN']);
const MODIFIERS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

let failures = 0;
const fail = (msg) => { failures++; console.error(`FAIL: ${msg}`); };

// ------------------------------------------------------------------ a small PromQL scanner
// Tokens: {t: 'str'|'num'|'id'|'range'|'op'|'(' |')'|'{'|'}'|',', v, pos, end}. Good enough for
// the expressions we ship (it is not a parser, and does not pretend to validate syntax:
// Prometheus does that).
function tokenize(expr) {
  const toks = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < expr.length && expr[i] !== c) i += (expr[i] === '\\' && c !== '`') ? 2 : 1;
      i++;
      toks.push({ t: 'str', v: expr.slice(start, i), pos: start, end: i });
    } else if (c === '[') {
      while (i < expr.length && expr[i] !== ']') i++;
      i++;
      toks.push({ t: 'range', v: expr.slice(start + 1, i - 1), pos: start, end: i });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(expr[i + 1] ?? ''))) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)/.exec(expr.slice(i));
      i += m[0].length;
      toks.push({ t: 'num', v: m[0], pos: start, end: i });
    } else if (/[A-Za-z_:$]/.test(c)) {
      const m = /^[A-Za-z_:$][A-Za-z0-9_:]*/.exec(expr.slice(i));
      i += m[0].length;
      toks.push({ t: 'id', v: m[0], pos: start, end: i });
    } else if ('(){},'.includes(c)) {
      i++;
      toks.push({ t: c, v: c, pos: start, end: i });
    } else {
      const m = /^(==|!=|>=|<=|=~|!~|[-+*/%^<>=])/.exec(expr.slice(i));
      i += m ? m[0].length : 1;
      toks.push({ t: 'op', v: expr.slice(start, i), pos: start, end: i });
    }
  }
  return toks;
}

// Index of the token closing the bracket opened at toks[k].
function closing(toks, k) {
  const open = toks[k].t, close = open === '(' ? ')' : '}';
  for (let d = 0, j = k; j < toks.length; j++) {
    if (toks[j].t === open) d++;
    else if (toks[j].t === close && --d === 0) return j;
  }
  throw new Error(`unbalanced ${open} at ${toks[k].pos}`);
}

// Depth (parentheses and braces) of each token.
function depths(toks) {
  let d = 0;
  return toks.map((tk) => {
    if (tk.t === ')' || tk.t === '}') d--;
    const here = d;
    if (tk.t === '(' || tk.t === '{') d++;
    return here;
  });
}

function metricNames(expr) {
  const toks = tokenize(expr), names = new Set();
  for (let k = 0; k < toks.length; k++) {
    const tk = toks[k];
    if (tk.t === '{') { k = closing(toks, k); continue; }
    if (tk.t !== 'id') continue;
    if (MODIFIERS.has(tk.v)) {
      if (toks[k + 1]?.t === '(') k = closing(toks, k + 1);
      continue;
    }
    if (KEYWORDS.has(tk.v) || tk.v.startsWith('$')) continue;
    const next = toks[k + 1];
    if (next?.t === '(' || (next?.t === 'id' && ['by', 'without'].includes(next.v))) continue;  // a function or an aggregation
    names.add(tk.v);
  }
  return names;
}

// Split EXPR at the set operators that sit at depth 0; each operand loses a leading
// on(...)/ignoring(...) and group_left/group_right(...).
function splitSetOps(expr) {
  const toks = tokenize(expr), d = depths(toks), parts = [];
  let from = 0;
  toks.forEach((tk, k) => {
    if (d[k] === 0 && tk.t === 'id' && ['and', 'or', 'unless'].includes(tk.v)) {
      parts.push(expr.slice(from, tk.pos));
      from = tk.end;
    }
  });
  parts.push(expr.slice(from));
  return parts.map((p) => p.trim().replace(
    /^(on|ignoring)\s*\([^)]*\)\s*(?:(group_left|group_right)\s*(?:\([^)]*\))?)?\s*/, '').trim());
}

function unwrapParens(expr) {
  const e = expr.trim(), toks = tokenize(e);
  if (toks.length && toks[0].t === '(' && closing(toks, 0) === toks.length - 1) return unwrapParens(e.slice(1, -1));
  return e;
}

// The trailing `<cmp> NUMBER` of EXPR, removed (it is at depth 0 because nothing follows it).
function stripThreshold(expr) {
  return expr.replace(/\s*(==|!=|>=|<=|>|<)\s*(bool\s+)?[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|Inf|NaN)\s*$/, '').trim();
}

function leaves(expr) {
  const e = unwrapParens(expr), parts = splitSetOps(e);
  if (parts.length > 1) return parts.flatMap(leaves);
  const stripped = stripThreshold(e);
  return stripped === e ? [e] : leaves(stripped);
}

// Every `/` must divide by `(x > 0)` / `(x >= 0...)`-style filtered operand or clamp_min(...).
function unguardedDivisions(expr) {
  const toks = tokenize(expr), bad = [];
  toks.forEach((tk, k) => {
    if (!(tk.t === 'op' && tk.v === '/')) return;
    let j = k + 1;
    while (toks[j]?.t === 'id' && ['on', 'ignoring', 'group_left', 'group_right'].includes(toks[j].v)) {
      j++;
      if (toks[j]?.t === '(') j = closing(toks, j) + 1;
    }
    const r = toks[j];
    if (r?.t === 'id' && r.v === 'clamp_min') return;
    if (r?.t === '(') {
      const inner = expr.slice(r.end, toks[closing(toks, j)].pos);
      if (/(>|>=)\s*0(\.0*)?\s*$/.test(inner) || /^\s*clamp_min\s*\(/.test(inner)) return;
    }
    bad.push(expr.slice(tk.pos, Math.min(expr.length, tk.pos + 60)));
  });
  return bad;
}

// Every histogram_quantile(...) must be followed by `>= 0` (or `> 0`).
function unfilteredQuantiles(expr) {
  const toks = tokenize(expr), bad = [];
  toks.forEach((tk, k) => {
    if (tk.t !== 'id' || tk.v !== 'histogram_quantile' || toks[k + 1]?.t !== '(') return;
    const c = closing(toks, k + 1);
    if (!(toks[c + 1]?.t === 'op' && ['>=', '>'].includes(toks[c + 1].v) && toks[c + 2]?.v === '0')) {
      bad.push(expr.slice(tk.pos, Math.min(expr.length, tk.pos + 60)));
    }
  });
  return bad;
}

// rate/irate/increase must take a counter (_total), a histogram bucket or _sum/_count.
function ratesOverGauges(expr) {
  const toks = tokenize(expr), bad = [];
  toks.forEach((tk, k) => {
    if (tk.t !== 'id' || !['rate', 'irate', 'increase'].includes(tk.v) || toks[k + 1]?.t !== '(') return;
    const m = toks[k + 2];
    if (m?.t !== 'id' || !/(_total|_bucket|_sum|_count)$/.test(m.v)) bad.push(`${tk.v}(${m?.v})`);
  });
  return bad;
}

// Each selector of a metric in METRIC_RE must carry every matcher in REQUIRED.
function missingMatchers(expr, metricRe, required) {
  const toks = tokenize(expr), bad = [];
  toks.forEach((tk, k) => {
    if (tk.t !== 'id' || !metricRe.test(tk.v) || toks[k + 1]?.t === '(') return;
    const sel = toks[k + 1]?.t === '{' ? expr.slice(toks[k + 1].pos, toks[closing(toks, k + 1)].end) : '';
    for (const r of required) if (!sel.includes(r)) bad.push(`${tk.v} lacks ${r}`);
  });
  return bad;
}

const substitute = (e) => {
  for (const [from, to] of SUBST) e = e.split(from).join(to);
  return e.replace(/\$\{?(model_name|instance|job)\}?/g, '.*');
};

// ------------------------------------------------------------------ dashboards
function allPanels(dash) {
  return (dash.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

function dashboardExprs(dash) {
  return allPanels(dash).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${dash.uid} / "${p.title}" ${t.refId}`, expr: t.expr })));
}

function variableQueries(dash) {
  return (dash.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => ({
    where: `${dash.uid} / variable ${v.name}`, query: typeof v.query === 'string' ? v.query : v.query?.query,
  }));
}

const VARIABLES = { 'vllmctl-overview': ['model_name', 'instance'], 'vllmctl-fleet': ['job', 'instance'] };

function checkDashboard(file) {
  let dash;
  try { dash = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { fail(`${file}: not valid JSON: ${e.message}`); return; }
  const where = dash.uid ?? file;
  if (!(dash.uid in VARIABLES)) fail(`${file}: uid ${dash.uid} is not one of ${Object.keys(VARIABLES)}`);
  if (dash.schemaVersion !== 39) fail(`${where}: schemaVersion ${dash.schemaVersion}, want 39`);
  if (dash.id !== null) fail(`${where}: "id" must be null for provisioning`);
  if (dash.__inputs) fail(`${where}: __inputs (\${DS_...}) are not substituted by provisioning`);

  const vars = Object.fromEntries((dash.templating?.list ?? []).map((v) => [v.name, v]));
  const ds = vars.datasource;
  if (!ds || ds.type !== 'datasource' || ds.query !== 'prometheus' || ds.current?.value !== 'vllmctl-prometheus') {
    fail(`${where}: needs a datasource variable (type datasource, query prometheus, default vllmctl-prometheus)`);
  }
  for (const name of VARIABLES[dash.uid] ?? []) {
    const v = vars[name];
    if (!v) { fail(`${where}: variable ${name} missing`); continue; }
    if (v.type !== 'query' || !v.multi || !v.includeAll || v.allValue !== '.*') fail(`${where}: variable ${name} must be a multi query variable with All = .*`);
    if (JSON.stringify(v.datasource) !== JSON.stringify(DS)) fail(`${where}: variable ${name} is not on \${datasource}`);
    if (!/^label_values\(.*,\s*\w+\)$/.test(v.query)) fail(`${where}: variable ${name}: query ${v.query} is not label_values(...)`);
  }

  const ids = new Set(), cells = new Map();
  for (const p of allPanels(dash)) {
    const pw = `${where} / "${p.title}"`;
    if (!Number.isInteger(p.id) || ids.has(p.id)) fail(`${pw}: panel id ${p.id} missing or duplicated`);
    ids.add(p.id);
    if (JSON.stringify(p.datasource) !== JSON.stringify(DS)) fail(`${pw}: datasource ${JSON.stringify(p.datasource)}, want ${JSON.stringify(DS)}`);
    const g = p.gridPos;
    if (!g || !(g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24 && g.y >= 0)) fail(`${pw}: bad gridPos ${JSON.stringify(g)}`);
    else {
      for (let y = g.y; y < g.y + g.h; y++) for (let x = g.x; x < g.x + g.w; x++) {
        const key = `${x},${y}`;
        if (cells.has(key)) { fail(`${pw}: overlaps "${cells.get(key)}" at ${key}`); y = Infinity; break; }
        cells.set(key, p.title);
      }
    }
    if (p.type === 'row') continue;
    if (!p.description) fail(`${pw}: no description`);
    if (['stat', 'timeseries'].includes(p.type) && !p.fieldConfig?.defaults?.unit) fail(`${pw}: no unit`);
    if (!p.targets?.length) fail(`${pw}: no queries`);
    for (const t of p.targets ?? []) {
      const tw = `${pw} ${t.refId}`;
      if (JSON.stringify(t.datasource) !== JSON.stringify(DS)) fail(`${tw}: target datasource is not \${datasource}`);
      if (!t.expr) { fail(`${tw}: empty expr`); continue; }
      checkExpr(tw, t.expr, { dashboard: dash.uid });
    }
  }
  console.log(`${file}: ${ids.size} panels, ${dashboardExprs(dash).length} queries checked`);
}

function checkExpr(where, expr, { dashboard } = {}) {
  for (const re of LEGACY) if (re.test(expr)) fail(`${where}: legacy/removed metric name ${re} in ${expr}`);
  for (const b of unguardedDivisions(expr)) fail(`${where}: unguarded division "${b}..." (divide by (x > 0) or clamp_min(x, 1e-9))`);
  for (const b of ratesOverGauges(expr)) fail(`${where}: ${b}: rate/increase of something that is not a counter or histogram series`);
  if (!dashboard) return;
  for (const b of unfilteredQuantiles(expr)) fail(`${where}: "${b}..." may yield NaN on an idle window; follow it with ">= 0"`);
  for (const tk of tokenize(expr)) {
    if (tk.t === 'range' && !['$__rate_interval', '$__interval', '$__range'].includes(tk.v)) {
      fail(`${where}: hard-coded window [${tk.v}]; use $__rate_interval (or $__interval/$__range)`);
    }
  }
  const req = dashboard === 'vllmctl-fleet'
    ? [['job=~"$job"', 'instance=~"$instance"']]
    : [['model_name=~"$model_name"', 'instance=~"$instance"']];
  for (const b of missingMatchers(expr, /^vllm:/, req[0])) fail(`${where}: ${b}`);
  for (const b of missingMatchers(expr, /^(http_|up$)/, ['instance=~"$instance"'])) fail(`${where}: ${b}`);
}

// ------------------------------------------------------------------ Prometheus client
async function promGet(prom, path, params) {
  const url = `${prom}${path}?${new URLSearchParams(params)}`;
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = await r.json();
  if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
  return body.data;
}

async function query(prom, expr) {
  const data = await promGet(prom, '/api/v1/query', { query: expr });
  const values = data.resultType === 'scalar' ? [data.result[1]]
    : data.resultType === 'vector' ? data.result.map((s) => s.value[1])
      : data.resultType === 'matrix' ? data.result.flatMap((s) => s.values.map((v) => v[1])) : [];
  return { n: data.resultType === 'scalar' ? 1 : data.result.length, nonFinite: values.filter((v) => !Number.isFinite(Number(v))), data };
}

async function poll(what, timeoutS, fn) {
  const deadline = Date.now() + timeoutS * 1000;
  let last;
  for (;;) {
    try { last = await fn(); if (last === true) return; } catch (e) { last = e.message; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ------------------------------------------------------------------ live
async function live(prom, metricsFile, minFinished, files, { rules = true } = {}) {
  const exposed = new Set(readFileSync(metricsFile, 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => /^[^{\s]+/.exec(l)[0]));
  exposed.add('up');

  await poll(`Prometheus to see ${minFinished} finished requests`, 30, async () => {
    const r = await query(prom, 'sum(vllm:request_success_total)');
    return r.n === 1 && Number(r.data.result[0].value[1]) >= minFinished ? true : r.data.result;
  });
  // Two more scrapes after that one, so a series born during the traffic (http_*) has two
  // samples for rate(), and the rule manager evaluates at least twice after it.
  const since = Date.now() / 1000 + 0.2;
  await poll('two more scrapes', 15, async () => {
    const r = await query(prom, 'max(timestamp(up{job=~"vllm.*"}))');
    return r.n === 1 && Number(r.data.result[0].value[1]) > since + 2 ? true : r.data.result;
  });
  if (rules) await poll('the rules to be evaluated', 15, async () => {
    const groups = (await promGet(prom, '/api/v1/rules', {})).groups;
    const rules = groups.flatMap((g) => g.rules);
    return rules.length > 0 && rules.every((r) => Date.parse(r.lastEvaluation) / 1000 > since + 2) ? true : rules.map((r) => r.lastEvaluation);
  });

  let checked = 0;
  const names = new Set();
  const mustReturnData = async (where, expr) => {
    checked++;
    for (const n of metricNames(expr)) names.add(n);
    try {
      const r = await query(prom, expr);
      if (r.n === 0) fail(`${where}: no data for ${expr}`);
      if (r.nonFinite.length) fail(`${where}: NaN/Inf (${r.nonFinite.join(', ')}) from ${expr}`);
    } catch (e) { fail(`${where}: ${e.message}`); }
  };

  for (const file of files) {
    const dash = JSON.parse(readFileSync(file, 'utf8'));
    for (const { where, expr } of dashboardExprs(dash)) await mustReturnData(where, substitute(expr));
    for (const { where, query: q } of variableQueries(dash)) {
      const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q);
      if (!m) { fail(`${where}: cannot read ${q}`); continue; }
      const match = substitute(m[1]);
      for (const n of metricNames(match)) names.add(n);
      checked++;
      try {
        const values = await promGet(prom, `/api/v1/label/${m[2]}/values`, { 'match[]': match });
        if (!values.length) fail(`${where}: ${q} has no values`);
      } catch (e) { fail(`${where}: ${e.message}`); }
    }
  }

  const groups = rules ? (await promGet(prom, '/api/v1/rules', {})).groups : [];
  if (rules && !groups.some((g) => g.name === 'vllmctl')) fail('no rule group "vllmctl" loaded');
  for (const rule of groups.flatMap((g) => g.rules)) {
    const where = `rule ${rule.name}`;
    if (rule.health !== 'ok' || rule.lastError) fail(`${where}: health ${rule.health} ${rule.lastError ?? ''}`);
    if (rule.type !== 'alerting') continue;
    if (rule.state !== 'inactive' || rule.alerts?.length) fail(`${where}: ${rule.state} on a healthy server: ${JSON.stringify(rule.alerts)}`);
    checked++;
    try {
      const r = await query(prom, rule.query);
      if (r.n !== 0) fail(`${where}: the full expression returns ${JSON.stringify(r.data.result)} on a healthy server`);
    } catch (e) { fail(`${where}: ${e.message}`); }
    const ls = leaves(rule.query);
    if (ls.length === 1 && ls[0] === rule.query.trim()) fail(`${where}: found no threshold to strip in ${rule.query}`);
    for (const leaf of ls) await mustReturnData(`${where} (leaf)`, leaf);
  }

  for (const n of names) if (!exposed.has(n)) fail(`metric ${n} is used but the server does not expose it`);
  console.log(`live ${prom}: ${checked} expressions and variable queries checked; ${names.size} metric names used`);
}

// ------------------------------------------------------------------ traffic
async function traffic(base) {
  const post = async (path, body) => {
    const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30000) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${path} -> ${r.status}: ${text}`);
    return text;
  };
  // A prefix long enough to fill several KV blocks, so later prompts hit the prefix cache.
  const shared = 'You are a careful assistant for the vllmctl monitoring test. '.repeat(6);
  const jobs = [];
  for (let i = 0; i < 4; i++) jobs.push(post('/v1/completions', { model: 'demo', prompt: `${shared} Question ${i}: count to ${i + 3}.`, max_tokens: 6 + i, ignore_eos: true }));
  for (let i = 0; i < 3; i++) jobs.push(post('/v1/chat/completions', { model: 'demo', messages: [{ role: 'system', content: shared }, { role: 'user', content: `hello ${i}` }], max_tokens: 5, ignore_eos: true }));
  jobs.push(post('/v1/completions', { model: 'demo', prompt: 'Short one', max_tokens: 12, ignore_eos: true }));
  await Promise.all(jobs);
  const sse = await post('/v1/chat/completions', { model: 'demo', messages: [{ role: 'user', content: 'stream please' }], max_tokens: 8, ignore_eos: true, stream: true });
  if (!sse.includes('data: [DONE]')) throw new Error(`streamed chat did not finish: ${sse.slice(-200)}`);
  // Sequential repeats: the second and third find the whole prefix cached.
  for (let i = 0; i < 3; i++) await post('/v1/completions', { model: 'demo', prompt: `${shared} Same question again.`, max_tokens: 4, ignore_eos: true });
  console.log(jobs.length + 1 + 3);
}

// ------------------------------------------------------------------ main
const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === 'static') {
    for (const f of args) checkDashboard(f);
  } else if (mode === 'traffic') {
    await traffic(args[0]);
  } else if (mode === 'live' || mode === 'live-dashboards') {
    const [prom, metricsFile, minFinished, ...files] = args;
    await live(prom, metricsFile, Number(minFinished), files, { rules: mode === 'live' });
  } else if (mode === 'selftest') {
    selftest();
  } else {
    throw new Error(`usage: stack_assets.mjs static|traffic|live|selftest ...`);
  }
} catch (e) {
  fail(e.stack ?? String(e));
}
if (failures) { console.error(`stack_assets.mjs ${mode}: ${failures} failure(s)`); process.exit(1); }

// The scanner's own checks (cheap; run by stack_assets.sh before anything else).
function selftest() {
  const eq = (got, want, what) => { if (JSON.stringify(got) !== JSON.stringify(want)) fail(`selftest ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); };
  eq(leaves('up{job=~"vllm.*"} == 0 or (up == 0 and on (job) group by (job) (present_over_time(vllm:num_requests_running[6h])))'),
    ['up{job=~"vllm.*"}', 'up', 'group by (job) (present_over_time(vllm:num_requests_running[6h]))'], 'leaves of target down');
  eq(leaves('sum by (a) (rate(x_total{r="error"}[5m])) / (sum by (a) (rate(x_total[5m])) > 0) > 0.01'),
    ['sum by (a) (rate(x_total{r="error"}[5m])) / (sum by (a) (rate(x_total[5m])) > 0)'], 'leaves of a guarded ratio');
  eq(leaves('a > 10 and b > 0'), ['a', 'b'], 'leaves of and');
  eq([...metricNames('sum by (le, model_name) (rate(vllm:x_bucket{model_name=~"a|b", le="1.0"}[5m])) / on (job) group_left (instance) (up > 1e-9)')],
    ['vllm:x_bucket', 'up'], 'metric names');
  eq(unguardedDivisions('a / b'), ['/ b'], 'unguarded division');
  eq(unguardedDivisions('a / (b > 0) + c / clamp_min(d, 1e-9) + e / on (x) (f > 0)'), [], 'guarded divisions');
  eq(unfilteredQuantiles('histogram_quantile(0.5, sum by (le) (rate(x_bucket[1m]))) >= 0'), [], 'filtered quantile');
  eq(unfilteredQuantiles('histogram_quantile(0.5, sum by (le) (rate(x_bucket[1m])))').length, 1, 'unfiltered quantile');
  eq(ratesOverGauges('rate(vllm:num_requests_running[1m]) + rate(a_total[1m])'), ['rate(vllm:num_requests_running)'], 'rate over a gauge');
  eq(LEGACY.filter((re) => re.test('vllm:num_preemptions[5m]')).length, 1, 'preemptions without _total is legacy');
  eq(LEGACY.filter((re) => re.test('vllm:num_preemptions_total vllm:request_time_per_output_token_seconds_bucket vllm:request_success_total')).length, 0, 'current names are not legacy');
  if (!failures) console.log('selftest: ok');
}
