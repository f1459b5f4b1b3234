#!/usr/bin/env bash
# Builds vllmctl and runs every test: the unit tests, the integration tests (the real
# binary against real peers) and a short fuzz smoke. Benchmarks, long fuzz runs and GPU
# tests live in their own scripts (bench/, tests/fuzz/run.sh, tests/gpu/).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${VLLMCTL_BUILD_DIR:-build}
jobs=$(nproc)

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

# The fuzz targets must build and survive a short run on every change.
bash tests/fuzz/run.sh --seconds "${VLLMCTL_FUZZ_SECONDS:-10}"
