#!/usr/bin/env bash
# `vllmctl model demo` -> `vllmctl model inspect` through the real binary: the tiny demo
# model (deterministic, loadable by @huggingface/tokenizers), --force, the qwen2.5-0.5b
# preset with the fixture tokenizer, and bad inputs / corrupt models failing with exit 1
# and one line.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# one_line_fail PATTERN CMD...: exit status exactly 1, one line of output, "vllmctl: error: " + PATTERN.
one_line_fail() {
  local pattern=$1; shift
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -ne 1 ]; then echo "expected exit 1, got $rc: $*" >&2; echo "$out" >&2; return 1; fi
  if [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ]; then echo "expected one line from: $*" >&2; echo "$out" >&2; return 1; fi
  if ! grep -Eq -- "^vllmctl: error: .*$pattern" <<<"$out"; then
    echo "expected '$pattern' from: $*" >&2; echo "$out" >&2; return 1
  fi
}

# --- the demo preset: write, inspect (text and JSON), deterministic per seed -------------
grep -q "^wrote demo model to $work/demo" <<<"$("$VLLMCTL" model demo --out "$work/demo")"
for f in config.json generation_config.json model.safetensors tokenizer.json tokenizer_config.json; do
  test -s "$work/demo/$f" || { echo "missing $f" >&2; exit 1; }
done
summary=$("$VLLMCTL" model inspect "$work/demo" --tensors)
grep -Eq "^architecture +Qwen2ForCausalLM \(qwen2\)$" <<<"$summary"
grep -Eq "^tensors +26$" <<<"$summary"
grep -Eq "^  model.layers.1.self_attn.k_proj.weight +BF16 +\[32, 64\]$" <<<"$summary"
"$VLLMCTL" model inspect "$work/demo" --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["architecture"] == "Qwen2ForCausalLM", s["architecture"]
assert s["num_tensors"] == 26 and len(s["tensors"]) == 26, s["num_tensors"]
# embed 264x64 + 2 x (2 norms, q/k/v with bias, o, gate/up/down) + final norm
layer = 2 * 64 + (64 * 64 + 64) + 2 * (32 * 64 + 32) + 64 * 64 + 3 * 128 * 64
assert s["num_parameters"] == 264 * 64 + 2 * layer + 64, s["num_parameters"]
assert s["dtype"] == "BF16" and s["config"]["head_dim"] == 16 and s["config"]["vocab_size"] == 264
assert s["generation_config"]["eos_token_ids"] == [258, 256]
assert s["lm_head_stored"] is False and s["sharded"] is False
'
"$VLLMCTL" model demo --out "$work/again" >/dev/null
cmp "$work/demo/model.safetensors" "$work/again/model.safetensors"
"$VLLMCTL" model demo --out "$work/f32" --seed 3 --dtype f32 >/dev/null
"$VLLMCTL" model inspect "$work/f32" --json | /usr/bin/python3 -c '
import json, sys; s = json.load(sys.stdin); assert s["dtype"] == "F32" and s["config"]["torch_dtype"] == "float32", s["dtype"]'

# --- --force: refuse a non-empty directory, then replace only the model files ------------
echo keep > "$work/demo/notes.txt"
one_line_fail "directory is not empty; pass --force" "$VLLMCTL" model demo --out "$work/demo" --seed 9
cmp "$work/demo/model.safetensors" "$work/again/model.safetensors"  # untouched
"$VLLMCTL" model demo --out "$work/demo" --seed 9 --force >/dev/null
test "$(cat "$work/demo/notes.txt")" = keep
if cmp -s "$work/demo/model.safetensors" "$work/again/model.safetensors"; then
  echo "--force --seed 9 did not rewrite the weights" >&2; exit 1
fi
"$VLLMCTL" model inspect "$work/demo" >/dev/null

# --- bad options ------------------------------------------------------------------------
one_line_fail "--out DIR is required" "$VLLMCTL" model demo
one_line_fail "unknown --preset 'gpt5'" "$VLLMCTL" model demo --out "$work/x" --preset gpt5
one_line_fail "unknown --dtype 'int4'" "$VLLMCTL" model demo --out "$work/x" --dtype int4
one_line_fail "the qwen2.5-0.5b preset needs --tokenizer DIR" "$VLLMCTL" model demo --out "$work/x" --preset qwen2.5-0.5b
one_line_fail "no tokenizer.json" "$VLLMCTL" model demo --out "$work/x" --preset qwen3-0.6b --tokenizer "$work"
test ! -e "$work/x"

# --- corrupt models: each one line, naming the file -------------------------------------
corrupt() {  # name python-snippet: copies the demo model to $work/name and edits it
  rm -rf "$work/$1"; cp -r "$work/again" "$work/$1"
  MODEL="$work/$1" /usr/bin/python3 -c "
import json, os, struct
m = os.environ['MODEL']; st = m + '/model.safetensors'
raw = open(st, 'rb').read(); n = struct.unpack('<Q', raw[:8])[0]; header = json.loads(raw[8:8 + n])
def write_header(h):
    text = json.dumps(h).encode(); open(st, 'wb').write(struct.pack('<Q', len(text)) + text + raw[8 + n:])
$2"
}
one_line_fail "model inspect: a model directory is required" "$VLLMCTL" model inspect
one_line_fail "$work/nowhere: not a directory" "$VLLMCTL" model inspect "$work/nowhere"
corrupt truncated "open(st, 'wb').write(raw[:-10])"
one_line_fail "model.safetensors: tensor '[^']+': data_offsets .* run past the end of the data" "$VLLMCTL" model inspect "$work/truncated"
corrupt short_file "open(st, 'wb').write(raw[:100])"
one_line_fail "model.safetensors: header length [0-9]+ is longer than the file" "$VLLMCTL" model inspect "$work/short_file"
corrupt overlap "
header['model.norm.weight']['data_offsets'] = header['model.embed_tokens.weight']['data_offsets'][:1] * 1
b = header['model.embed_tokens.weight']['data_offsets'][0]; header['model.norm.weight']['data_offsets'] = [b, b + 128]
write_header(header)"
one_line_fail "model.safetensors: tensor '[^']+': data_offsets \[[0-9]+, [0-9]+\] overlap '" "$VLLMCTL" model inspect "$work/overlap"
corrupt bad_dtype "header['model.norm.weight']['dtype'] = 'Q4'; write_header(header)"
one_line_fail "model.safetensors: tensor 'model.norm.weight': unknown dtype 'Q4'" "$VLLMCTL" model inspect "$work/bad_dtype"
corrupt int_dtype "header['model.norm.weight']['dtype'] = 'I16'; write_header(header)"
one_line_fail "tensor 'model.norm.weight': dtype I16 is not one the engine can load" "$VLLMCTL" model inspect "$work/int_dtype"
corrupt no_field "
c = json.load(open(m + '/config.json')); del c['num_attention_heads']; json.dump(c, open(m + '/config.json', 'w'))"
one_line_fail "config.json: missing required field 'num_attention_heads'" "$VLLMCTL" model inspect "$work/no_field"
corrupt wrong_shape "
c = json.load(open(m + '/config.json')); c['intermediate_size'] = 96; json.dump(c, open(m + '/config.json', 'w'))"
one_line_fail "tensor 'model.layers.0.mlp.gate_proj.weight': shape \[128, 64\], but config.json .* expects \[96, 64\]" \
  "$VLLMCTL" model inspect "$work/wrong_shape"
corrupt arch "
c = json.load(open(m + '/config.json')); c['architectures'] = ['BertModel']; json.dump(c, open(m + '/config.json', 'w'))"
one_line_fail "config.json: unsupported architecture 'BertModel'" "$VLLMCTL" model inspect "$work/arch"

# --- the demo tokenizer loads in @huggingface/tokenizers: byte tokens, ChatML specials ---
peers="${VLLMCTL_SOURCE_DIR:-}/tests/peers"
if command -v node >/dev/null && [ -d "$peers/node_modules/@huggingface/tokenizers" ]; then
  (cd "$peers" && DEMO="$work/again" node --input-type=module -e '
import { Tokenizer } from "@huggingface/tokenizers";
import fs from "node:fs";
const dir = process.env.DEMO;
const tok = new Tokenizer(JSON.parse(fs.readFileSync(dir + "/tokenizer.json")),
                          JSON.parse(fs.readFileSync(dir + "/tokenizer_config.json")));
const text = "<|im_start|>user\nHi é!<|im_end|>";
const ids = tok.encode(text, { add_special_tokens: false }).ids;
const inner = ids.slice(1, -1);  // one id per UTF-8 byte; "!" is id 0, so "H" is 0x48 - 0x21
if (ids[0] !== 257 || ids[ids.length - 1] !== 258) throw new Error("specials: " + ids);
if (inner.length !== Buffer.byteLength("user\nHi é!") || inner.some(id => id < 0 || id > 255)) throw new Error("bytes: " + ids);
if (inner[5] !== 0x48 - 0x21) throw new Error("H: " + ids);
if (tok.decode(ids, { skip_special_tokens: false }) !== text) throw new Error("decode " + tok.decode(ids));
console.log("model_demo: tokenizers.js loads the demo tokenizer: " + ids.length + " ids");
')
else
  echo "model_demo: node or tests/peers/node_modules missing; skipped the tokenizers.js check"
fi

# --- a real-shape preset with the fixture tokenizer (~1 GB of bf16) ----------------------
fixture="${VLLMCTL_FIXTURES:-}/qwen2.5-tokenizer"
if [ -d "$fixture" ]; then
  out=$("$VLLMCTL" model demo --out "$work/qwen" --preset qwen2.5-0.5b --tokenizer "$fixture")
  grep -q "290 tensors, 494,032,768 parameters" <<<"$out"
  for f in tokenizer.json tokenizer_config.json vocab.json merges.txt config.json generation_config.json; do
    cmp "$fixture/$f" "$work/qwen/$f"
  done
  grep -Eq "^parameters +494,032,768$" <<<"$("$VLLMCTL" model inspect "$work/qwen")"
  rm -rf "$work/qwen"
else
  echo "model_demo: SKIPPED the qwen2.5-0.5b preset: $fixture not found"
fi
echo "model_demo: ok"
