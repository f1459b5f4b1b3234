#!/usr/bin/env bash
# The CUDA benchmarks of issue 6, for a lent GPU machine (one `run` call), writing a
# Markdown table to $OUT/bench.md for docs/benchmarks.md:
#  (a) nano-vllm's workload on the qwen2.5-0.5b preset: 256 sequences, prompt and output
#      lengths uniform in 100..1024, ignore_eos, seed 0: output tokens/s (goal >= 50,000);
#  (b) single-stream decode, ms per token (goal <= 0.5);
#  (c) time from `vllmctl serve` start to /health 200 (goal <= 5 s);
#  (d) Hugging Face transformers on the same model files and workload, as the peer.
# Usage (on the device, repo root): BIN=path/to/vllmctl TOKENIZER=dir/with/tokenizer.json bash bench/gpu.sh
# Build here, carry the binary (it needs no CUDA library at link time; libcublasLt.so.13 is
# opened at run time) and ../shared/fixtures/qwen2.5-tokenizer in an ignored, carried folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-build/vllmctl}
tok=${TOKENIZER:?set TOKENIZER to a folder with the Qwen2.5 tokenizer.json}
out=${OUT:-/tmp/vllmctl-bench-out}
mkdir -p "$out"
model=/tmp/vllmctl-bench/qwen2.5-0.5b
[ -f "$model/model.safetensors" ] || "$bin" model demo --out "$model" --preset qwen2.5-0.5b --tokenizer "$tok" --force >/dev/null
field() { python3 -c "import json,sys; print(round(json.load(sys.stdin)['$1'], 3))"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
"$bin" version | tee -a "$out/gpu.txt"

run() { "$bin" bench throughput --model "$model" --device cuda --max-model-len 2048 --json "$@"; }
echo "(a) nano-vllm workload"
run --num-prompts 256 --input-len 100:1024 --output-len 100:1024 --seed 0 --temperature 0.6 | tee "$out/a.json"
a=$(field output_tokens_per_s < "$out/a.json")
echo "(b) single stream"
run --num-prompts 1 --input-len 32 --output-len 1024 --seed 0 | tee "$out/b.json"
b=$(python3 -c "import json; print(round(1000 / json.load(open('$out/b.json'))['output_tokens_per_s'], 3))")
echo "(c) serve start to /health"
port=18999
start=$(date +%s.%N)
"$bin" serve "$model" --device cuda --port "$port" > "$out/serve.log" 2>&1 &
pid=$!
until curl -sf "localhost:$port/health" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$out/serve.log"; exit 1; }
  sleep 0.05
done
c=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
kill "$pid"; wait "$pid" || true
echo "(d) transformers peer"
d=n/a
if python3 -c "import transformers, torch" 2>/dev/null; then
  PYTHONUNBUFFERED=1 timeout 420 python3 bench/hf_peer.py "$model" 256 100 1024 100 1024 0 64 | tee "$out/d.json" &&
    d=$(field output_tokens_per_s < "$out/d.json") || d="timed out"
fi
cat > "$out/bench.md" <<MD
| measure | vllmctl | goal | transformers |
|---|---|---|---|
| (a) nano-vllm workload, output tok/s | $a | >= 50,000 | $d |
| (b) single-stream decode, ms/token | $b | <= 0.5 | |
| (c) serve start to /health 200, s | $c | <= 5 | |

serve's device line (self-check result, CUDA graphs): see serve.log
\`\`\`
$(grep -E "device cuda|CUDA graphs|self-check" "$out/serve.log" || echo "no device line in serve.log")
\`\`\`
MD
cat "$out/bench.md"
