#!/usr/bin/env bash
# CPU engine benchmarks on the qwen2.5-0.5b preset (real shapes, random BF16 weights),
# for docs/benchmarks.md: single-stream decode, batching gain (16 concurrent sequences
# vs 1) and offline throughput. Needs the built binary and ../shared/fixtures.
#   bench/cpu_engine.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/vllmctl
model=${VLLMCTL_BENCH_MODEL:-/tmp/vllmctl-bench/qwen2.5-0.5b}
if [ ! -f "$model/model.safetensors" ]; then
  "$bin" model demo --out "$model" --preset qwen2.5-0.5b --tokenizer ../shared/fixtures/qwen2.5-tokenizer --force >/dev/null
fi
run() { "$bin" bench throughput --model "$model" --device cpu --max-model-len 1024 --json "$@" 2>/dev/null; }
field() { /usr/bin/python3 -c "import json,sys; print(round(json.load(sys.stdin)['$1'], 2))"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "single-stream decode (1 request, 32 prompt + 128 output tokens):"
single=$(run --num-prompts 1 --input-len 32 --output-len 128 | field output_tokens_per_s)
echo "  $single output tokens/s"
echo "16 requests of 32 + 64 tokens, one at a time (--max-num-seqs 1) vs 16 at once:"
one=$(run --num-prompts 16 --input-len 32 --output-len 64 --max-num-seqs 1 | field output_tokens_per_s)
sixteen=$(run --num-prompts 16 --input-len 32 --output-len 64 --max-num-seqs 16 | field output_tokens_per_s)
echo "  1 at a time: $one tok/s; 16 at once: $sixteen tok/s; ratio $(/usr/bin/python3 -c "print(round($sixteen / $one, 2))")"
echo "offline throughput (nano-vllm's shape, scaled to a CPU: 32 prompts, input and output 16..128):"
run --num-prompts 32 --input-len 16:128 --output-len 16:128 --max-num-seqs 32
