#!/usr/bin/env bash
# Runs the integration binaries (memcached backend, fault proxy, soak) and
# the in-process gRPC server tests under valgrind's memcheck: any memory
# error or definitely/indirectly lost block fails the run. LeakSanitizer
# covers the whole suite in `make test`; this is the second opinion, on the
# optimized release build that services link.
#
# usage: scripts/valgrind.sh [BUILD_DIR]   (default: build, already built)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
binaries=(integration/memcached/kivi_memcached_integration_test
          integration/proxy/kivi_fault_injection_test
          integration/soak/kivi_soak_test
          tests/grpc/kivi_grpc_server_test)
failed=()
for b in "${binaries[@]}"; do
  log="$dir/valgrind-$(basename "$b").log"
  echo "== valgrind: $b"
  if valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --error-exitcode=9 "$dir/$b" --gtest_brief=1 > "$log" 2>&1; then
    grep -E "definitely lost|indirectly lost|ERROR SUMMARY" "$log" |
      sed 's/^==[0-9]*== */  /'
  else
    tail -60 "$log"
    failed+=("$b")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "valgrind: failed: ${failed[*]}" >&2
  exit 1
fi
