// Reference renderer for the chat-template conformance test: @huggingface/jinja (the
// JavaScript port transformers.js uses), same corpus and preprocessing as
// render_jinja2.py, the clock frozen at the corpus's "now".
// Usage: TZ=UTC node render_hf_jinja.mjs CORPUS.json TEMPLATES_DIR OUT.json
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), "package.json"));
const { Template } = require("@huggingface/jinja");

const [corpusPath, templatesDir, outPath] = process.argv.slice(2);
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));

// Freeze the clock its built-in strftime_now reads (a user variable may not replace a
// global there): `new Date()` becomes the corpus's "now"; run with TZ=UTC.
const RealDate = Date;
const pinned = new RealDate(`${corpus.now}Z`).getTime();
globalThis.Date = class extends RealDate {
  constructor(...args) {
    super(...(args.length === 0 ? [pinned] : args));
  }
  static now() {
    return pinned;
  }
};

function preprocess(messages, contentFormat) {
  return messages.map((orig) => {
    const m = JSON.parse(JSON.stringify(orig));
    if (Array.isArray(m.content)) {
      const texts = m.content.map((p) => p.text);
      m.content = contentFormat === "string" ? texts.join("\n") : texts.map((t) => ({ type: "text", text: t }));
    }
    if (m.role === "assistant" && Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        const fn = call.function;
        if (fn && typeof fn === "object") {
          if (fn.arguments === undefined || fn.arguments === null || fn.arguments === "") fn.arguments = {};
          else if (typeof fn.arguments === "string") fn.arguments = JSON.parse(fn.arguments);
        }
      }
    }
    return m;
  });
}

const results = {};
for (const [tname, tinfo] of Object.entries(corpus.templates)) {
  let template;
  let parseError = null;
  try {
    template = new Template(readFileSync(join(templatesDir, tname), "utf8"));
  } catch (e) {
    parseError = String(e && e.message ? e.message : e);
  }
  for (const c of corpus.cases) {
    const key = `${tname}|${c.name}`;
    if (parseError !== null) {
      results[key] = { ok: false, error: `parse: ${parseError}` };
      continue;
    }
    try {
      const context = {
        ...corpus.special_tokens,
        ...(c.kwargs || {}),
        messages: preprocess(c.messages, tinfo.content_format),
        tools: c.tools === undefined ? null : c.tools,
        documents: null,
        add_generation_prompt: c.add_generation_prompt === undefined ? true : c.add_generation_prompt,
      };
      results[key] = { ok: true, output: template.render(context) };
    } catch (e) {
      results[key] = { ok: false, error: String(e && e.message ? e.message : e) };
    }
  }
}
writeFileSync(outPath, JSON.stringify(results, null, 1));
