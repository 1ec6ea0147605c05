#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time, starting from its seed
# corpus (fuzz/corpus/<target>) and its regressions, and prints the
# executions per target. A crash, leak, timeout or out-of-memory fails the
# run; its input is left in BUILD_DIR/fuzz-artifacts for reproduction
# (`<target> <file>`), to be added to fuzz/regressions/<target> with the fix.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR]
#   (defaults: 60, build-asan; the tree is configured by
#    scripts/sanitize.sh configure-asan when it is not yet)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
seconds=${1:-60}
dir=${2:-build-asan}
jobs=${JOBS:-2}
# The sanitizer runtimes symbolize stacks with the llvm-symbolizer on PATH
# (package llvm-14 installs it under this name only).
export PATH="/usr/lib/llvm-14/bin:$PATH"

targets=(memcached_reply_fuzzer metadump_fuzzer url_fuzzer
         codec_decode_fuzzer grpc_request_fuzzer redis_reply_fuzzer)

if [ ! -f "$dir/build.ninja" ]; then
  bash scripts/sanitize.sh configure-asan "$dir"
fi
cmake --build "$dir" -j"$jobs" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$dir/fuzz-artifacts"
summary=()
failed=()
for t in "${targets[@]}"; do
  # New inputs go to the scratch corpus (first directory), never into the
  # repository's seeds.
  work="$dir/fuzz-corpus/$t"
  mkdir -p "$work"
  corpora=("$work" "$src/fuzz/corpus/$t")
  [ -d "$src/fuzz/regressions/$t" ] && corpora+=("$src/fuzz/regressions/$t")
  log="$dir/fuzz-artifacts/$t.log"
  echo "== fuzz: $t for ${seconds}s"
  status=0
  "$dir/fuzz/$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
    -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$dir/fuzz-artifacts/$t-" "${corpora[@]}" \
    > "$log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
          tail -1 | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  summary+=("$(printf '%-24s %12s execs  %6s edges  %s' "$t" "$execs" "$cov" \
               "$([ $status -eq 0 ] && echo ok || echo FAILED)")")
  if [ $status -ne 0 ]; then
    tail -60 "$log"
    failed+=("$t")
  fi
done

echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in $dir/fuzz-artifacts)" >&2
  exit 1
fi
