#!/usr/bin/env bash
# Builds every libFuzzer target (clang, ASan + UBSan) and runs each for N seconds,
# starting from its seed corpus in tests/fuzz/seeds/<target>/.
#   tests/fuzz/run.sh --seconds 10     the smoke run in tests/run.sh
#   tests/fuzz/run.sh --seconds 300    a real run (bench/ and before a release)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=10
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "run.sh: unknown option '$1' (use --seconds N)" >&2; exit 2 ;;
  esac
done

build=${VLLMCTL_FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVLLMCTL_FUZZ=ON -DVLLMCTL_WITH_CUDA=OFF -DVLLMCTL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_targets -j "$(nproc)"

shopt -s nullglob
targets=(tests/fuzz/*_fuzz.cpp)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets yet"
  exit 0
fi
for src in "${targets[@]}"; do
  name=$(basename "$src" .cpp)
  corpus=$(mktemp -d)
  seeds="tests/fuzz/seeds/$name"
  echo "fuzz: $name for ${seconds}s"
  mkdir -p "$build/artifacts"
  # Crash, leak and timeout reproducers land in the build folder, never in the checkout.
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
        -artifact_prefix="$build/artifacts/$name-")
  dirs=("$corpus")
  [ -d "$seeds" ] && dirs+=("$seeds")
  # The real chat templates seed the Jinja target, read from the shared fixtures (never
  # copied into the repo).
  fixtures=${VLLMCTL_FIXTURES:-../shared/fixtures}
  [ "$name" = jinja_fuzz ] && [ -d "$fixtures/chat-templates" ] && dirs+=("$fixtures/chat-templates")
  "$build/tests/fuzz/$name" "${args[@]}" "${dirs[@]}"
  rm -rf "$corpus"
done
echo "fuzz: every target ran clean"
