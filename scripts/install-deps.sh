#!/usr/bin/env bash
# Installs every Debian package that kivi's build, tests and benchmarks need.
# Idempotent: packages already installed are skipped, and apt-get is not
# touched at all when nothing is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libabsl-dev
  libprotobuf-dev protobuf-compiler
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc
  libgtest-dev libgmock-dev googletest
  libbenchmark-dev
  nlohmann-json3-dev
  libzstd-dev libssl-dev openssl
  memcached libmemcached-dev
  # Redis backend (issue 10): servers for the tests, hiredis for the bench.
  redis-server redis-tools libhiredis-dev
  # PostgreSQL backend (issue 13): the server the harness runs, and libpq.
  postgresql libpq-dev
  # RocksDB backend (issue 14).
  librocksdb-dev
  # Metrics (issue 15): /metrics over HTTP, checked by promtool and a real
  # Prometheus.
  libcpp-httplib-dev prometheus
  # Bench anchors for the memory store (issue 12).
  libcuckoo-dev libtbb-dev
  procps
  # The Kubernetes example's manifests are linted by yamllint (issue 11; no
  # Kubernetes schema checker is packaged).
  yamllint python3-yaml
  gnuplot-nox valgrind strace linux-perf
  # Sanitizer and fuzzing stages (scripts/sanitize.sh, scripts/fuzz.sh):
  # clang with its sanitizer and libFuzzer runtimes, llvm-symbolizer, and
  # dpkg-source to unpack abseil's Debian source for the TSan build.
  clang-14 libclang-rt-14-dev llvm-14 dpkg-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; update once before installing.
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
