// Reference ids from @huggingface/tokenizers for the tokenizer property test and bench.
//   node tokenizer_peer.mjs cases TOKENIZER_DIR OUT.jsonl [COUNT] [SEED]
//     writes COUNT deterministic random strings, one JSON object per line:
//     {"text": s, "nfc": s.normalize("NFC"), "roundtrip": what decode(encode(s)) must give
//      (s after the tokenizer's normalizer), "ids": peer ids (add_special_tokens false)}
//   node tokenizer_peer.mjs demo OUT_DIR      writes a tiny byte-level tokenizer.json
//   node tokenizer_peer.mjs text OUT_FILE BYTES [SEED]   random mixed-script lines
//   node tokenizer_peer.mjs bench TOKENIZER_DIR TEXT_FILE [REPEAT]
//     prints "peer_encode_mb_per_s <x> tokens <n>" for single-threaded encode
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

function loadTokenizer(dir) {
  const json = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
  const configPath = join(dir, "tokenizer_config.json");
  const config = existsSync(configPath) ? JSON.parse(readFileSync(configPath, "utf8")) : {};
  return new Tokenizer(json, config);
}

// mulberry32: a small seeded PRNG, so every run generates the same strings.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeGenerator(seed) {
  const r = rng(seed);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = (xs) => xs[int(0, xs.length - 1)];
  const range = (lo, hi) => String.fromCodePoint(int(lo, hi));
  const repeat = (n, f) => Array.from({ length: n }, f).join("");
  const latinWords = ["the", "The", "hello", "World", "tokenizer", "vLLM", "don't", "I'M",
    "we'll", "it's", "THEY'RE", "you've", "I'd", "naïve", "café", "Straße", "über", "año",
    "smørrebrød", "façade", "x", "a", "GPU", "H200", "e.g.", "U.S.A.", "http://x.io/a?b=1"];
  const specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>",
    "<|fim_prefix|>", "<|im_", "<|", "|>", "<tool_call", "<|im_start|><|im_end|>"];
  const emoji = () => {
    switch (int(0, 5)) {
      case 0: return range(0x1f600, 0x1f64f);
      case 1: return range(0x1f44a, 0x1f450) + range(0x1f3fb, 0x1f3ff);  // skin tones
      case 2: return "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}";  // ZWJ family
      case 3: return "\u{1f469}\u{1f3fd}\u200d\u{1f4bb}";  // ZWJ + tone
      case 4: return "\u2764\ufe0f";  // VS16
      default: return range(0x1f1e6, 0x1f1ff) + range(0x1f1e6, 0x1f1ff);  // flag pair
    }
  };
  const pieces = [
    () => pick(latinWords),
    () => repeat(int(1, 8), () => range(0x61, 0x7a)),
    () => repeat(int(1, 12), () => range(0x30, 0x39)),
    () => repeat(int(1, 4), () => pick("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".split(""))),
    () => repeat(int(1, 10), () => range(0x4e00, 0x9fa5)),
    () => repeat(int(1, 6), () => range(0x3041, 0x3096)) + repeat(int(0, 4), () => range(0x30a1, 0x30fa)),
    () => repeat(int(1, 9), () => range(0x0410, 0x044f)),
    () => repeat(int(1, 7), () => range(0x0621, 0x063a) + (r() < 0.3 ? range(0x064b, 0x0652) : "")),
    () => repeat(int(1, 5), () => range(0x0905, 0x0939) + (r() < 0.4 ? range(0x093e, 0x094c) : "")),
    () => repeat(int(1, 4), () => range(0xac00, 0xd7a3)),  // Hangul syllables
    () => range(0x61, 0x7a) + repeat(int(1, 3), () => range(0x0300, 0x036f)),  // combining marks
    () => "e\u0301" + pick(["", "\u0327", "\u0308\u0301"]),  // decomposed forms (NFC changes them)
    emoji,
    () => pick([" ", "  ", "\t", "\n", "\r\n", "\n\n", " \n ", "\t\t ", "\u00a0", "\u3000", "\u2003"]),
    () => repeat(int(2, 40), () => pick([" ", " ", "\t", "\n"])),
    () => range(0x00, 0x08) + pick(["\x0b", "\x0c", "\x0e", "\x1f", "\x7f"]),
    () => pick(specials),
    () => pick(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re"]),
    () => repeat(int(50, 300), () => range(0x4e00, 0x9fa5)),  // one long word
    () => " " + pick(latinWords),
  ];
  return () => {
    const n = int(0, 24);
    let s = "";
    for (let k = 0; k < n; ++k) {
      const i = int(0, pieces.length - 1);
      if (i === pieces.length - 2 && r() < 0.9) continue;  // long words: rare
      s += pieces[i]();
      if (r() < 0.35) s += " ";
    }
    return s;
  };
}

// The tiny demo tokenizer: the 256 byte symbols, no merges, three added tokens.
function demoTokenizer() {
  const bs = [];
  for (let b = 33; b <= 126; ++b) bs.push(b);
  for (let b = 161; b <= 172; ++b) bs.push(b);
  for (let b = 174; b <= 255; ++b) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; ++b) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const byteChar = new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i])]));
  const vocab = {};
  for (let b = 0; b < 256; ++b) vocab[byteChar.get(b)] = b;
  const added = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"].map((content, i) => ({
    id: 256 + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false,
    special: true }));
  const level = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: true };
  return { version: "1.0", truncation: null, padding: null, added_tokens: added, normalizer: null,
    pre_tokenizer: level, post_processor: level, decoder: level,
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] } };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "cases") {
  const [dir, out, count = "3000", seed = "20261122"] = args;
  const tok = loadTokenizer(dir);
  // decode(encode(s)) gives s back after the tokenizer's normalizer (NFC or none here).
  const spec = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
  const normalizer = spec.normalizer ? spec.normalizer.type : null;
  if (normalizer !== null && normalizer !== "NFC") throw new Error(`normalizer ${normalizer}?`);
  const gen = makeGenerator(Number(seed));
  const lines = [];
  for (let k = 0; k < Number(count); ++k) {
    const text = gen();
    const ids = tok.encode(text, { add_special_tokens: false }).ids;
    const nfc = text.normalize("NFC");
    lines.push(JSON.stringify({ text, nfc, roundtrip: normalizer === "NFC" ? nfc : text, ids }));
  }
  writeFileSync(out, lines.join("\n") + "\n");
  console.log(`peer: wrote ${lines.length} cases to ${out}`);
} else if (mode === "demo") {
  const [dir] = args;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(demoTokenizer(), null, 2));
} else if (mode === "text") {
  const [out, bytes, seed = "7"] = args;
  const gen = makeGenerator(Number(seed));
  const lines = [];
  let size = 0;
  while (size < Number(bytes)) {
    const line = gen().replace(/\n/g, " ");
    lines.push(line);
    size += Buffer.byteLength(line, "utf8") + 1;
  }
  writeFileSync(out, lines.join("\n") + "\n");
} else if (mode === "bench") {
  const [dir, file, repeat = "3"] = args;
  const tok = loadTokenizer(dir);
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const bytes = Buffer.byteLength(text, "utf8");
  tok.encode(lines.slice(0, 200).join("\n"), { add_special_tokens: false });  // warm-up
  let best = Infinity, bestCpu = Infinity, tokens = 0;
  for (let k = 0; k < Number(repeat); ++k) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    tokens = 0;
    for (const line of lines) tokens += tok.encode(line, { add_special_tokens: false }).ids.length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
  }
  // cpu: per second of process CPU time (includes V8's GC threads), steadier when busy.
  console.log(`peer_encode_mb_per_s ${(bytes / best / 1e6).toFixed(2)} tokens ${tokens} ` +
              `cpu_mb_per_s ${(bytes / bestCpu / 1e6).toFixed(2)}`);
} else {
  console.error("usage: tokenizer_peer.mjs cases|demo|text|bench ...");
  process.exit(2);
}
