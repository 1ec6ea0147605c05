#!/usr/bin/env bash
# The full soak: about a minute of mixed load on three memcached servers
# while one is frozen and resumed and another killed and restarted (see
# integration/soak/soak_test.cc). Prints the report (ops, errors by code,
# misses, wrong values, slowest call vs the timeout, RSS at start and end)
# and leaves it as JSON in BUILD_DIR/soak-report.json.
#
# usage: scripts/soak.sh [BUILD_DIR] [SECONDS] [THREADS]
#   (defaults: build, 60, 4; BUILD_DIR must hold a built kivi_soak_test)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
bin=$(find "$dir" -name kivi_soak_test -type f -perm -u+x | head -1)
if [ -z "$bin" ]; then
  echo "soak: no kivi_soak_test in $dir; build it first" >&2
  exit 1
fi
KIVI_SOAK_SECONDS=${2:-60} KIVI_SOAK_THREADS=${3:-4} \
KIVI_SOAK_REPORT="$dir/soak-report.json" "$bin" --gtest_brief=1
