// Drives a running `vllmctl serve` (built-in demo model, --api-key) with the official
// `openai` npm client, the way real applications talk to vLLM.
//   node openai_client_test.mjs PORT API_KEY
// Every check runs even when an earlier one fails; the failures are listed at the end
// and the exit status is 1 if there was any.
//
// Notes on the demo model: random weights and a byte-level tokenizer, so text is
// gibberish, and greedy decoding just repeats one character ("Hello" -> "ooooo...").
// Checks that need varied text (stop strings, n > 1) use seeded sampling, which the
// server must reproduce exactly. vLLM-only request fields (ignore_eos) go straight
// into the params object: the JS client serialises the whole object as the body
// (there is no extra_body in JS).
import assert from "node:assert/strict";
import OpenAI, {
  APIError, AuthenticationError, BadRequestError, NotFoundError,
} from "openai";

const [port, apiKey] = process.argv.slice(2);
if (!port || !apiKey) {
  console.error("usage: node openai_client_test.mjs PORT API_KEY");
  process.exit(2);
}
const baseURL = `http://127.0.0.1:${port}/v1`;
const clientOptions = { baseURL, apiKey, maxRetries: 0, timeout: 20_000 };
const client = new OpenAI(clientOptions);
const MODEL = "demo";

const checks = [];
const check = (name, fn) => checks.push({ name, fn });

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function assertUsage(usage, completionTokens) {
  assert.ok(usage, "usage missing");
  assert.ok(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0, JSON.stringify(usage));
  assert.equal(usage.prompt_tokens + usage.completion_tokens, usage.total_tokens, JSON.stringify(usage));
  if (completionTokens !== undefined) assert.equal(usage.completion_tokens, completionTokens, JSON.stringify(usage));
}

// A streamed response, split into its content chunks and the trailing usage chunk.
function splitUsage(chunks, includeUsage) {
  assert.ok(chunks.length > 0, "empty stream");
  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1, `chunks carry different ids: ${[...ids]}`);
  for (const c of chunks) assert.equal(c.model, MODEL);
  if (!includeUsage) {
    for (const c of chunks) assert.ok(c.usage == null, `usage chunk without include_usage: ${JSON.stringify(c)}`);
    return { body: chunks, usage: undefined };
  }
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, [], `last chunk should be the usage chunk: ${JSON.stringify(last)}`);
  const body = chunks.slice(0, -1);
  for (const c of body) {
    assert.ok(c.usage == null, `usage on a content chunk (continuous_usage_stats not asked): ${JSON.stringify(c)}`);
    assert.ok(c.choices.length >= 1, `content chunk without choices: ${JSON.stringify(c)}`);
  }
  return { body, usage: last.usage };
}

// Per choice index: the concatenated text and the finish reasons seen, in stream order.
function byIndex(body, textOf) {
  const out = new Map();
  for (const c of body) {
    for (const ch of c.choices) {
      if (!out.has(ch.index)) out.set(ch.index, { text: "", finish: [], deltas: [] });
      const o = out.get(ch.index);
      o.deltas.push(ch);
      o.text += textOf(ch) ?? "";
      if (ch.finish_reason != null) o.finish.push(ch.finish_reason);
      else assert.equal(o.finish.length, 0, `chunk for index ${ch.index} after its finish_reason`);
    }
  }
  return out;
}

const completion = (params, options) =>
  client.completions.create({ model: MODEL, ...params }, options);
const chat = (params, options) =>
  client.chat.completions.create({ model: MODEL, ...params }, options);
const messages = [{ role: "system", content: "be brief" }, { role: "user", content: "Say something." }];

// ---------------------------------------------------------------- models
check("models.list", async () => {
  const page = await client.models.list();
  const models = [];
  for await (const m of page) models.push(m);
  assert.equal(models.length, 1, JSON.stringify(models));
  assert.equal(models[0].id, MODEL);
  assert.equal(models[0].object, "model");
  assert.ok(Number.isInteger(models[0].created), JSON.stringify(models[0]));
  assert.equal(typeof models[0].owned_by, "string");
  assert.equal(models[0].max_model_len, 256);
});

// ---------------------------------------------------------------- completions
const greedyCompletion = { prompt: "Hello", max_tokens: 12, temperature: 0, ignore_eos: true };

check("completions.create non-streamed, greedy, usage", async () => {
  const r = await completion(greedyCompletion);
  assert.equal(r.object, "text_completion");
  assert.equal(r.model, MODEL);
  assert.match(r.id, /^cmpl-/);
  assert.ok(Number.isInteger(r.created));
  assert.equal(r.choices.length, 1);
  const c = r.choices[0];
  assert.equal(c.index, 0);
  assert.equal(c.finish_reason, "length");
  assert.equal(typeof c.text, "string");
  assert.ok(c.text.length > 0);
  assert.equal(c.logprobs, null);
  assertUsage(r.usage, 12);
  // Greedy is deterministic.
  const again = await completion(greedyCompletion);
  assert.equal(again.choices[0].text, c.text);
});

for (const includeUsage of [true, false]) {
  check(`completions.create streamed == non-streamed (include_usage=${includeUsage})`, async () => {
    const full = await completion(greedyCompletion);
    const stream = await completion({
      ...greedyCompletion, stream: true,
      ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    });
    const chunks = await collect(stream);
    const { body, usage } = splitUsage(chunks, includeUsage);
    for (const c of body) assert.equal(c.object, "text_completion");
    assert.ok(body.length >= 2, `expected incremental chunks, got ${body.length}`);
    const idx = byIndex(body, (ch) => ch.text);
    assert.deepEqual([...idx.keys()], [0]);
    assert.equal(idx.get(0).text, full.choices[0].text);
    assert.deepEqual(idx.get(0).finish, ["length"]);
    assert.ok(body.at(-1).choices[0].finish_reason === "length", "finish_reason must be on the last content chunk");
    if (includeUsage) assertUsage(usage, 12);
  });
}

// ---------------------------------------------------------------- chat
const greedyChat = { messages, max_tokens: 10, temperature: 0, ignore_eos: true };

check("chat.completions.create non-streamed, greedy, usage", async () => {
  const r = await chat(greedyChat);
  assert.equal(r.object, "chat.completion");
  assert.equal(r.model, MODEL);
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices.length, 1);
  const c = r.choices[0];
  assert.equal(c.index, 0);
  assert.equal(c.finish_reason, "length");
  assert.equal(c.message.role, "assistant");
  assert.equal(typeof c.message.content, "string");
  assert.ok(c.message.content.length > 0);
  assertUsage(r.usage, 10);
  // The chat template adds tokens around the messages.
  const raw = await completion({ prompt: messages.map((m) => m.content).join(""), max_tokens: 1 });
  assert.ok(r.usage.prompt_tokens > raw.usage.prompt_tokens, "chat template not applied?");
});

for (const includeUsage of [true, false]) {
  check(`chat.completions.create streamed == non-streamed (include_usage=${includeUsage})`, async () => {
    const full = await chat(greedyChat);
    const chunks = await collect(await chat({
      ...greedyChat, stream: true,
      ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    }));
    const { body, usage } = splitUsage(chunks, includeUsage);
    for (const c of body) assert.equal(c.object, "chat.completion.chunk");
    assert.equal(body[0].choices[0].delta.role, "assistant", `role chunk first: ${JSON.stringify(body[0])}`);
    for (const c of body.slice(1)) assert.ok(c.choices[0].delta.role == null, `role repeated: ${JSON.stringify(c)}`);
    const idx = byIndex(body, (ch) => ch.delta.content);
    assert.deepEqual([...idx.keys()], [0]);
    assert.equal(idx.get(0).text, full.choices[0].message.content);
    assert.deepEqual(idx.get(0).finish, ["length"]);
    if (includeUsage) {
      assertUsage(usage, 10);
      assert.equal(usage.prompt_tokens, full.usage.prompt_tokens);
    }
  });
}

check("chat stream helper (client.chat.completions.stream) assembles the same message", async () => {
  const full = await chat(greedyChat);
  const runner = client.chat.completions.stream({ model: MODEL, ...greedyChat });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, full.choices[0].message.content);
  assert.equal(final.choices[0].message.role, "assistant");
  assert.equal(final.choices[0].finish_reason, "length");
});

// ---------------------------------------------------------------- n > 1
const nCompletion = { prompt: "Hello", max_tokens: 6, temperature: 1, seed: 7, n: 3, ignore_eos: true };

check("completions n=3: indices 0..2, usage sums, streamed the same", async () => {
  const r = await completion(nCompletion);
  assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2]);
  for (const c of r.choices) assert.equal(c.finish_reason, "length");
  assertUsage(r.usage, 18);
  assert.ok(new Set(r.choices.map((c) => c.text)).size > 1,
    `n=3 at temperature 1 gave identical samples: ${JSON.stringify(r.choices.map((c) => c.text))}`);

  const chunks = await collect(await completion({ ...nCompletion, stream: true, stream_options: { include_usage: true } }));
  const { body, usage } = splitUsage(chunks, true);
  const idx = byIndex(body, (ch) => ch.text);
  assert.deepEqual([...idx.keys()].sort(), [0, 1, 2]);
  for (const c of r.choices) {
    assert.equal(idx.get(c.index).text, c.text, `streamed text of choice ${c.index} (same seed)`);
    assert.deepEqual(idx.get(c.index).finish, ["length"]);
  }
  assertUsage(usage, 18);
});

const nChat = { messages, max_tokens: 5, temperature: 1, seed: 7, n: 2, ignore_eos: true };

check("chat n=2: indices 0..1, role chunk per choice, streamed the same", async () => {
  const r = await chat(nChat);
  assert.deepEqual(r.choices.map((c) => c.index), [0, 1]);
  for (const c of r.choices) {
    assert.equal(c.message.role, "assistant");
    assert.equal(c.finish_reason, "length");
  }
  assertUsage(r.usage, 10);

  const chunks = await collect(await chat({ ...nChat, stream: true, stream_options: { include_usage: true } }));
  const { body, usage } = splitUsage(chunks, true);
  const idx = byIndex(body, (ch) => ch.delta.content);
  assert.deepEqual([...idx.keys()].sort(), [0, 1]);
  for (const c of r.choices) {
    const s = idx.get(c.index);
    assert.equal(s.deltas[0].delta.role, "assistant", `first chunk of choice ${c.index} must carry the role`);
    assert.equal(s.text, c.message.content, `streamed content of choice ${c.index} (same seed)`);
    assert.deepEqual(s.finish, ["length"]);
  }
  assertUsage(usage, 10);
});

// ---------------------------------------------------------------- logprobs
check("completions logprobs=2 (greedy): per-token lists of the right length", async () => {
  const r = await completion({ ...greedyCompletion, max_tokens: 5, logprobs: 2 });
  const lp = r.choices[0].logprobs;
  assert.ok(lp, "logprobs missing");
  assert.equal(lp.tokens.length, 5);
  assert.equal(lp.token_logprobs.length, 5);
  assert.equal(lp.top_logprobs.length, 5);
  assert.equal(lp.tokens.join(""), r.choices[0].text);
  for (let i = 0; i < 5; i++) {
    const top = lp.top_logprobs[i];
    const n = Object.keys(top).length;
    assert.ok(n >= 1 && n <= 3, `top_logprobs[${i}] has ${n} entries: ${JSON.stringify(top)}`);
    assert.ok(lp.token_logprobs[i] <= 0);
    // Greedy: the chosen token is the most likely one.
    assert.equal(lp.token_logprobs[i], Math.max(...Object.values(top)), JSON.stringify(lp));
    assert.ok(lp.tokens[i] in top, `sampled token missing from top_logprobs[${i}]`);
  }
  // vLLM's CompletionLogProbs always has text_offset (one per token, offsets into the text).
  assert.ok(Array.isArray(lp.text_offset), `text_offset missing: ${JSON.stringify(lp)}`);
  assert.equal(lp.text_offset.length, 5);
  assert.equal(lp.text_offset[0], 0);
});

// vLLM returns the top k entries plus the sampled token when that is not among them
// (so k..k+1 entries; k=0 still gives the sampled token). temperature 1 so that some
// sampled tokens fall outside the top k.
for (const [logprobs, stream] of [[1, false], [1, true], [0, false]]) {
  check(`completions logprobs=${logprobs}${stream ? " streamed" : ""}: sampled token is in top_logprobs`, async () => {
    const params = { prompt: "Hello", max_tokens: 8, temperature: 1, seed: 5, ignore_eos: true, logprobs };
    let lp;
    if (!stream) {
      lp = (await completion(params)).choices[0].logprobs;
    } else {
      lp = { tokens: [], top_logprobs: [] };
      for (const c of await collect(await completion({ ...params, stream: true }))) {
        lp.tokens.push(...c.choices[0].logprobs.tokens);
        lp.top_logprobs.push(...c.choices[0].logprobs.top_logprobs);
      }
    }
    assert.equal(lp.tokens.length, 8);
    assert.equal(lp.top_logprobs.length, 8);
    const bad = [];
    lp.tokens.forEach((t, i) => {
      const top = lp.top_logprobs[i];
      assert.ok(Object.keys(top).length <= logprobs + 1, JSON.stringify(top));
      if (!(t in top)) bad.push(`[${i}] ${JSON.stringify(t)} not in ${JSON.stringify(top)}`);
    });
    assert.deepEqual(bad, [], `sampled token missing from top_logprobs: ${bad.join(", ")}`);
  });
}

check("chat logprobs=true top_logprobs=2: one entry per token, 2 alternatives each", async () => {
  const r = await chat({ ...greedyChat, max_tokens: 6, logprobs: true, top_logprobs: 2 });
  const content = r.choices[0].logprobs?.content;
  assert.ok(Array.isArray(content), `logprobs.content missing: ${JSON.stringify(r.choices[0])}`);
  assert.equal(content.length, 6);
  assert.equal(content.map((e) => e.token).join(""), r.choices[0].message.content);
  for (const e of content) {
    assert.equal(typeof e.token, "string");
    assert.ok(e.logprob <= 0);
    assert.equal(e.top_logprobs.length, 2, JSON.stringify(e));
    assert.equal(e.logprob, e.top_logprobs[0].logprob, "greedy token is the top-1");
    assert.ok(e.top_logprobs[0].logprob >= e.top_logprobs[1].logprob);
  }
  // Without logprobs: none.
  const plain = await chat({ ...greedyChat, max_tokens: 2 });
  assert.equal(plain.choices[0].logprobs ?? null, null);
});

check("chat logprobs: every entry has bytes = UTF-8 of its token (vLLM's ChatCompletionLogProb)", async () => {
  const r = await chat({ ...greedyChat, max_tokens: 3, logprobs: true, top_logprobs: 2 });
  for (const e of r.choices[0].logprobs.content) {
    for (const x of [e, ...e.top_logprobs]) {
      assert.deepEqual(x.bytes, [...Buffer.from(x.token, "utf8")], `bytes of ${JSON.stringify(x)}`);
    }
  }
});

check("chat logprobs streamed: one entry per token in total", async () => {
  const chunks = await collect(await chat({ ...greedyChat, max_tokens: 6, logprobs: true, top_logprobs: 2, stream: true }));
  const entries = chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
  assert.equal(entries.length, 6);
  for (const e of entries) assert.equal(e.top_logprobs.length, 2);
});

// ---------------------------------------------------------------- stop strings
// First occurrence (index >= 2) of two printable ASCII characters in text.
function pickStop(text) {
  for (let k = 2; k + 2 <= text.length; k++) {
    const s = text.slice(k, k + 2);
    if (/^[\x21-\x7e]{2}$/.test(s) && text.indexOf(s) === k) return { stop: s, at: k };
  }
  return null;
}

async function seededWithStop(make, textOf) {
  // Seeded samples are reproducible; find one that has a usable stop candidate.
  for (let seed = 1; seed <= 40; seed++) {
    const full = await make({ seed });
    const pick = pickStop(textOf(full));
    if (pick) return { seed, full, ...pick };
  }
  throw new Error("no seed gave text with a printable 2-char substring");
}

check("completions stop=[substring of the output] cuts before it, finish_reason stop", async () => {
  const base = { prompt: "Hello", max_tokens: 24, temperature: 1, ignore_eos: true };
  const { seed, full, stop, at } = await seededWithStop((p) => completion({ ...base, ...p }), (r) => r.choices[0].text);
  const text = full.choices[0].text;
  console.log(`     completions: seed ${seed}, stop ${JSON.stringify(stop)} at ${at} of ${JSON.stringify(text)}`);
  const r = await completion({ ...base, seed, stop: [stop] });
  const c = r.choices[0];
  assert.equal(c.text, text.slice(0, at), `stop ${JSON.stringify(stop)} in ${JSON.stringify(text)}`);
  assert.equal(c.finish_reason, "stop");
  assert.equal(c.stop_reason, stop);
  assert.ok(r.usage.completion_tokens < 24);
  assertUsage(r.usage);

  const chunks = await collect(await completion({ ...base, seed, stop: [stop], stream: true }));
  const idx = byIndex(chunks, (ch) => ch.text);
  assert.equal(idx.get(0).text, text.slice(0, at), "streamed text with stop");
  assert.deepEqual(idx.get(0).finish, ["stop"]);

  // Greedy too (the demo repeats one character, so the stop hits at once).
  const g = (await completion(greedyCompletion)).choices[0].text;
  const rg = await completion({ ...greedyCompletion, stop: g.slice(1, 3) });
  assert.equal(rg.choices[0].text, g.slice(0, g.indexOf(g.slice(1, 3))));
  assert.equal(rg.choices[0].finish_reason, "stop");
});

check("chat stop=[substring of the output] cuts before it, finish_reason stop", async () => {
  const base = { messages, max_tokens: 24, temperature: 1, ignore_eos: true };
  const { seed, full, stop, at } = await seededWithStop((p) => chat({ ...base, ...p }), (r) => r.choices[0].message.content);
  const text = full.choices[0].message.content;
  console.log(`     chat: seed ${seed}, stop ${JSON.stringify(stop)} at ${at} of ${JSON.stringify(text)}`);
  const r = await chat({ ...base, seed, stop: [stop] });
  assert.equal(r.choices[0].message.content, text.slice(0, at), `stop ${JSON.stringify(stop)} in ${JSON.stringify(text)}`);
  assert.equal(r.choices[0].finish_reason, "stop");
  assert.equal(r.choices[0].stop_reason, stop);

  const chunks = await collect(await chat({ ...base, seed, stop: [stop], stream: true }));
  const idx = byIndex(chunks, (ch) => ch.delta.content);
  assert.equal(idx.get(0).text, text.slice(0, at), "streamed content with stop");
  assert.deepEqual(idx.get(0).finish, ["stop"]);
});

// ---------------------------------------------------------------- seeds
check("seed: same seed reproduces at temperature 1, different seeds differ", async () => {
  const p = { prompt: "Hello", max_tokens: 16, temperature: 1, ignore_eos: true };
  const a = (await completion({ ...p, seed: 1234 })).choices[0].text;
  const b = (await completion({ ...p, seed: 1234 })).choices[0].text;
  assert.equal(a, b, "same seed, different text");
  const texts = [];
  for (const seed of [1, 2, 3, 4]) texts.push((await completion({ ...p, seed })).choices[0].text);
  assert.ok(new Set(texts).size >= 3, `different seeds, (nearly) same texts: ${JSON.stringify(texts)}`);

  const c1 = await chat({ messages, max_tokens: 16, temperature: 1, seed: 99, ignore_eos: true });
  const c2 = await chat({ messages, max_tokens: 16, temperature: 1, seed: 99, ignore_eos: true });
  assert.equal(c1.choices[0].message.content, c2.choices[0].message.content, "chat: same seed, different text");
});

check("usage: completion_tokens == max_tokens with ignore_eos (body passthrough)", async () => {
  for (const max_tokens of [1, 9, 33]) {
    const r = await completion({ prompt: "Hi", max_tokens, temperature: 1, seed: 3, ignore_eos: true });
    assertUsage(r.usage, max_tokens);
    assert.equal(r.choices[0].finish_reason, "length");
    const c = await chat({ messages, max_tokens, temperature: 1, seed: 3, ignore_eos: true });
    assertUsage(c.usage, max_tokens);
  }
  // The same field through the request options' body override.
  const r = await client.completions.create(
    { model: MODEL, prompt: "Hi", max_tokens: 4, temperature: 0 },
    { body: { model: MODEL, prompt: "Hi", max_tokens: 4, temperature: 0, ignore_eos: true } });
  assertUsage(r.usage, 4);
});

// ---------------------------------------------------------------- structured output
// The demo model's weights are random, so only the constraint makes its output JSON:
// any text that parses and fits proves the mask works.
const personSchema = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 6 },
    age: { type: "integer" },
    admin: { type: "boolean" },
    role: { enum: ["dev", "ops"] },
  },
  required: ["name", "age", "admin", "role"],
  additionalProperties: false,
};

function assertPerson(text) {
  const v = JSON.parse(text);
  assert.deepEqual(Object.keys(v).sort(), ["admin", "age", "name", "role"], text);
  assert.equal(typeof v.name, "string");
  assert.ok([...v.name].length <= 6, text);
  assert.ok(Number.isInteger(v.age), text);
  assert.equal(typeof v.admin, "boolean");
  assert.ok(["dev", "ops"].includes(v.role), text);
}

check("response_format json_schema: chat content parses and fits the schema (seeded, n=2)", async () => {
  const r = await chat({
    messages, max_tokens: 200, temperature: 1, seed: 11, n: 2,
    response_format: { type: "json_schema", json_schema: { name: "person", strict: true, schema: personSchema } },
  });
  assert.equal(r.choices.length, 2);
  for (const c of r.choices) {
    assert.equal(c.finish_reason, "stop", JSON.stringify(c));
    assertPerson(c.message.content);
  }
});

check("response_format json_schema streamed: the deltas join into the same JSON", async () => {
  const params = {
    messages, max_tokens: 200, temperature: 1, seed: 5,
    response_format: { type: "json_schema", json_schema: { name: "person", schema: personSchema } },
  };
  const full = await chat(params);
  const chunks = await collect(await chat({ ...params, stream: true }));
  const got = byIndex(chunks, (ch) => ch.delta?.content).get(0);
  assert.equal(got.text, full.choices[0].message.content);
  assert.deepEqual(got.finish, ["stop"]);
  assertPerson(got.text);
});

check("response_format json_object: completions (greedy) and chat give a JSON object", async () => {
  const c = await completion({ prompt: "JSON:", max_tokens: 200, temperature: 0, response_format: { type: "json_object" } });
  assert.equal(c.choices[0].finish_reason, "stop", JSON.stringify(c.choices[0]));
  const v = JSON.parse(c.choices[0].text);
  assert.ok(v !== null && typeof v === "object" && !Array.isArray(v), c.choices[0].text);
  const r = await chat({ messages, max_tokens: 200, seed: 3, response_format: { type: "json_object" } });
  assert.equal(r.choices[0].finish_reason, "stop");
  assert.equal(typeof JSON.parse(r.choices[0].message.content), "object");
});

check("response_format errors: unsupported keyword and unknown type are 400s", async () => {
  await expectError(() => chat({ messages, response_format: { type: "json_schema", json_schema: { name: "x",
    schema: { type: "string", pattern: "^a+$" } } } }), BadRequestError, 400, "pattern");
  await expectError(() => chat({ messages, response_format: { type: "yaml" } }), BadRequestError, 400, "yaml");
});

// ---------------------------------------------------------------- errors
async function expectError(promiseFn, Cls, status, what) {
  let err;
  try {
    const r = await promiseFn();
    // A stream only fails once iterated if the server sent 200 first.
    if (r && typeof r[Symbol.asyncIterator] === "function") for await (const _ of r);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected ${Cls.name} ${status}, request succeeded`);
  assert.ok(err instanceof Cls, `${what}: expected ${Cls.name}, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.status, status, `${what}: status`);
  return err;
}

function assertVllmError(err, status, type) {
  // The client exposes the body's "error" object as err.error.
  const e = err.error;
  assert.ok(e && typeof e === "object", `error body: ${JSON.stringify(e)}`);
  assert.deepEqual(Object.keys(e).sort(), ["code", "message", "param", "type"], JSON.stringify(e));
  assert.equal(e.type, type);
  assert.equal(e.code, status);
  assert.equal(typeof e.message, "string");
  assert.ok(e.message.length > 0);
  assert.ok(e.param === null || typeof e.param === "string", JSON.stringify(e));
  assert.equal(err.type, type);
  assert.equal(err.code, status);
}

check("bad temperature -> BadRequestError 400 (completions, chat, chat streamed)", async () => {
  for (const [what, fn] of [
    ["completions", () => completion({ prompt: "x", temperature: -1 })],
    ["chat", () => chat({ messages, temperature: -1 })],
    ["chat stream", () => chat({ messages, temperature: -1, stream: true })],
    ["completions stream", () => completion({ prompt: "x", temperature: -1, stream: true })],
  ]) {
    const err = await expectError(fn, BadRequestError, 400, `temperature -1 (${what})`);
    assertVllmError(err, 400, "BadRequestError");
    assert.match(err.message, /temperature/);
  }
});

check("unknown model -> NotFoundError 404", async () => {
  for (const [what, fn] of [
    ["completions", () => client.completions.create({ model: "gpt-4", prompt: "x", max_tokens: 1 })],
    ["chat", () => client.chat.completions.create({ model: "gpt-4", messages, max_tokens: 1 })],
    ["chat stream", () => client.chat.completions.create({ model: "gpt-4", messages, max_tokens: 1, stream: true })],
  ]) {
    const err = await expectError(fn, NotFoundError, 404, `unknown model (${what})`);
    assertVllmError(err, 404, "NotFoundError");
  }
});

check("prompt over max-model-len -> BadRequestError 400", async () => {
  const long = "x".repeat(400); // byte-level tokenizer: >= 400 tokens > 256
  for (const [what, fn] of [
    ["completions", () => completion({ prompt: long, max_tokens: 1 })],
    ["chat", () => chat({ messages: [{ role: "user", content: long }], max_tokens: 1 })],
    ["completions stream", () => completion({ prompt: long, max_tokens: 1, stream: true })],
    ["prompt + max_tokens", () => completion({ prompt: "x", max_tokens: 1000 })],
  ]) {
    const err = await expectError(fn, BadRequestError, 400, `too long (${what})`);
    assertVllmError(err, 400, "BadRequestError");
  }
});

check("invalid JSON body (raw fetch) -> 400 with vLLM's error JSON", async () => {
  for (const path of ["/completions", "/chat/completions"]) {
    const res = await fetch(baseURL + path, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      body: '{"model": "demo", "prompt": ',
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 400, path);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["error"], JSON.stringify(body));
    assertVllmError({ error: body.error, type: body.error.type, code: body.error.code }, 400, "BadRequestError");
  }
});

check("missing / wrong API key -> AuthenticationError 401", async () => {
  const wrong = new OpenAI({ ...clientOptions, apiKey: "not-the-key" });
  await expectError(() => wrong.models.list(), AuthenticationError, 401, "wrong key, models.list");
  await expectError(() => wrong.chat.completions.create({ model: MODEL, messages, max_tokens: 1 }),
    AuthenticationError, 401, "wrong key, chat");
  await expectError(() => wrong.completions.create({ model: MODEL, prompt: "x", max_tokens: 1, stream: true }),
    AuthenticationError, 401, "wrong key, streamed completions");
  // No Authorization header at all (null removes the client's default header).
  const none = new OpenAI({ ...clientOptions, defaultHeaders: { Authorization: null } });
  await expectError(() => none.models.list(), AuthenticationError, 401, "no key, models.list");
  const res = await fetch(`${baseURL}/models`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 401);
  // The right key still works afterwards.
  assert.equal((await client.models.list()).data[0].id, MODEL);
});

check("every error is an APIError with a status (no connection errors)", async () => {
  const err = await expectError(() => completion({ prompt: "x", top_p: 0 }), BadRequestError, 400, "top_p 0");
  assert.ok(err instanceof APIError);
  // The server is still healthy after all of the above.
  const r = await completion({ prompt: "still alive", max_tokens: 2, ignore_eos: true });
  assertUsage(r.usage, 2);
});

// ---------------------------------------------------------------- run
const failures = [];
const t0 = Date.now();
for (const { name, fn } of checks) {
  const t = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name} (${Date.now() - t} ms)\n     ${String(e?.stack ?? e).split("\n").slice(0, 4).join("\n     ")}`);
  }
}
console.log(`${checks.length - failures.length}/${checks.length} checks passed in ${Date.now() - t0} ms`);
if (failures.length) {
  console.log(`failed: ${failures.join("; ")}`);
  process.exit(1);
}
