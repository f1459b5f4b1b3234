#!/usr/bin/env bash
# Installs what vllmctl needs on Debian 12, idempotently (a second run installs nothing).
#   packaging/setup.sh          build and run: compiler, CMake, the libraries
#   packaging/setup.sh --test   also what the tests use: python3-jinja2, node + npm
#                               peers, clang's libFuzzer, Prometheus, promtool, ...
# Run as root, or as a user with sudo. CUDA is not installed here: when nvcc is on the
# machine (/usr/local/cuda), the build adds the CUDA backend by itself.
set -euo pipefail

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (use --test or nothing)" >&2; exit 2 ;;
  esac
done

build_pkgs=(
  cmake ninja-build g++ pkg-config dpkg-dev git ca-certificates curl
  libcli11-dev libcpp-httplib-dev prometheus-cpp-dev libtomlplusplus-dev libfmt-dev
  libcurl4-openssl-dev libssl-dev doctest-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev
  libopenblas-dev
)
test_pkgs=(
  python3 python3-jinja2 python3-numpy python3-torch
  clang libclang-rt-14-dev
  prometheus victoria-metrics docker-compose
  rpm rpmlint lintian cpio man-db systemd
)

pkgs=("${build_pkgs[@]}")
[ "$want_test" = 1 ] && pkgs+=("${test_pkgs[@]}")

# Node.js for the test peers: any node >= 18 already here is kept; else Debian's.
if [ "$want_test" = 1 ]; then
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$node_major" -lt 18 ] || ! command -v npm >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
  fi
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup.sh: every Debian package is already installed"
fi

if [ "$want_test" = 1 ]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  peers="$here/tests/peers"
  # npm ci only when the lock file changed since the last install.
  if [ ! -f "$peers/node_modules/.package-lock.json" ] ||
     [ "$peers/package-lock.json" -nt "$peers/node_modules/.package-lock.json" ]; then
    echo "setup.sh: installing the npm test peers"
    (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "setup.sh: npm test peers are up to date"
  fi
fi
