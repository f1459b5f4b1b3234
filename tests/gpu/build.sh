#!/usr/bin/env bash
# Builds each tests/gpu/*_test.cu into its own binary build-gpu/<name>, linked with every
# kernel (kernels/*.cu) and CPU twin (kernels/*.cpp). Needs nvcc, not a GPU.
# backend_test.cu (the CUDA backend against the CPU backend) needs the whole engine: it is
# the CMake target gpu_backend_test, built in BUILD_DIR (default build/, configured with
# CUDA) and copied to build-gpu/backend_test. SKIP_BACKEND=1 leaves it out.
#   ARCH=sm_80 bash tests/gpu/build.sh   (default sm_90; also NVCC=, CXX= (twins, C++20), JOBS=)
# Kernel objects are compiled once and shared by the tests; only changed sources rebuild.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
ARCH="${ARCH:-sm_90}"
JOBS="${JOBS:-2}"
CXX="${CXX:-g++}"
out="build-gpu"
obj="$out/obj-$ARCH"
mkdir -p "$obj"
flags=(-std=c++17 -O2 -arch="$ARCH" -I"$root" -Xcompiler -fopenmp -lineinfo)

# Compile one source to $obj/<name>.o when it (or any header under kernels/ or tests/gpu/)
# is newer than the object.
compile() {
  local src="$1" o="$obj/$(basename "$1").o"
  if [[ -f "$o" && -z "$(find "$src" kernels tests/gpu -newer "$o" \( -name '*.h' -o -name '*.cuh' -o -path "$src" \) -print -quit)" ]]; then
    return 0
  fi
  if [[ "$src" == *.cpp ]]; then  # the CPU twins: C++20 like the CMake build
    echo "$CXX $src"
    "$CXX" -std=c++20 -O2 -fopenmp -I"$root" -c "$src" -o "$o"
  else
    echo "nvcc $src"
    "$NVCC" "${flags[@]}" -c "$src" -o "$o"
  fi
}

sources=(kernels/*.cu kernels/*.cpp)
tests=()
for t in tests/gpu/*_test.cu; do [[ "$t" == */backend_test.cu ]] || tests+=("$t"); done
pids=()
fail=0
for src in "${sources[@]}" "${tests[@]}"; do
  compile "$src" &
  pids+=($!)
  if (( ${#pids[@]} >= JOBS )); then
    wait "${pids[0]}" || fail=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || fail=1; done
(( fail == 0 )) || { echo "build.sh: compilation failed" >&2; exit 1; }

kernel_objs=()
for src in "${sources[@]}"; do kernel_objs+=("$obj/$(basename "$src").o"); done
for t in "${tests[@]}"; do
  name="$(basename "$t" .cu)"
  echo "link $out/$name"
  "$NVCC" -arch="$ARCH" -Xcompiler -fopenmp -cudart static "$obj/$name.cu.o" "${kernel_objs[@]}" -o "$out/$name"
done
if [[ -z "${SKIP_BACKEND:-}" ]]; then
  build_dir="${BUILD_DIR:-build}"
  [[ -f "$build_dir/CMakeCache.txt" ]] || cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
  echo "cmake --build $build_dir --target gpu_backend_test"
  cmake --build "$build_dir" -j"$JOBS" --target gpu_backend_test
  cp "$build_dir/gpu_backend_test" "$out/backend_test"
fi
echo "built: $(cd "$out" && ls -1 *_test | tr '\n' ' ')"
