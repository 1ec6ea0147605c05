#!/usr/bin/env bash
# Builds kivi with sanitizers (clang-14) and runs its tests under them.
#
# usage: scripts/sanitize.sh asan [BUILD_DIR]   (default build-asan)
#        scripts/sanitize.sh tsan [BUILD_DIR]   (default build-tsan)
#        scripts/sanitize.sh configure-asan [BUILD_DIR]
#
# asan: AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer) on
#   every target, the libFuzzer targets included (the tree is compiled with
#   -fsanitize=fuzzer-no-link so that scripts/fuzz.sh reuses it), then the
#   whole ctest suite: unit, conformance, integration (memcached, fault
#   proxy, short soak, gRPC, tools) and the fuzz corpus replays. Any report
#   fails the run (halt_on_error, leaks included).
# tsan: ThreadSanitizer on the concurrent tests: the client's single-flight,
#   the client's observer and the metrics observer's lock-free counters,
#   the memory backend, the memcached pool, multiplexer and backend
#   (integration, multiplex, fault proxy, soak), the health checker and
#   redis:// with sync and async callers on its multiplexed connections.
#   Debian's abseil is not built with TSan, so absl::Mutex would be
#   invisible to it and every value it guards would look racy; this stage
#   therefore builds the abseil libraries kivi's synchronization runs
#   through (synchronization, base, status, cord, ...)
#   from Debian's own source package (same version, same Debian patches and
#   options, same SONAME) with -fsanitize=thread, and runs the tests with
#   them first on LD_LIBRARY_PATH: one instrumented abseil for kivi and for
#   everything else in the process. gRPC and protobuf stay uninstrumented,
#   so the gRPC server tests are not part of this stage.
#
# Extra CMake arguments may be given in KIVI_CMAKE_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

mode=${1:?usage: sanitize.sh asan|tsan|configure-asan [BUILD_DIR]}
jobs=${JOBS:-2}
# The sanitizer runtimes symbolize stacks with the llvm-symbolizer on PATH
# (package llvm-14 installs it under this name only).
export PATH="/usr/lib/llvm-14/bin:$PATH"
cxx=${KIVI_SANITIZE_CXX:-clang++-14}
read -r -a extra_args <<< "${KIVI_CMAKE_ARGS:-}"

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# configure DIR CXXFLAGS LDFLAGS [cmake args...]
configure() {
  local dir=$1 cxxflags=$2 ldflags=$3
  shift 3
  cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" -DKIVI_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="$cxxflags" \
    -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
    -DCMAKE_SHARED_LINKER_FLAGS="$ldflags" \
    "$@" "${extra_args[@]}" > "$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; exit 1; }
}

asan_flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
configure_asan() {
  local dir=$1
  configure "$dir" "$asan_flags -fsanitize=fuzzer-no-link" "$asan_flags" \
    -DKIVI_BUILD_FUZZERS=ON
}

# For the ASan tests (scripts/fuzz.sh sets its own, lighter options).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Fetches Debian's abseil source (the installed version) into $1/abseil-src,
# with apt state kept in $1 so the system's apt configuration is untouched.
fetch_abseil() {
  local dir
  dir=$(cd "$1" && pwd)
  [ -d "$dir/abseil-src" ] && return
  local version
  version=$(dpkg-query -W -f='${source:Version}' libabsl-dev)
  local apt="$dir/apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  cat > "$apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
  local opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list"
              -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
  apt-get "${opts[@]}" update > "$apt/update.log" 2>&1 ||
    { cat "$apt/update.log"; exit 1; }
  (cd "$apt" && apt-get "${opts[@]}" source --download-only \
     "abseil=$version" > download.log 2>&1) ||
    { cat "$apt/download.log"; exit 1; }
  # apt has checked the files against the signed Sources index; the .dsc's
  # own signature needs debian-keyring, which is not required.
  dpkg-source -x "$apt"/abseil_*.dsc "$dir/abseil-src" > "$apt/extract.log" 2>&1 ||
    { cat "$apt/extract.log"; exit 1; }
}

# Builds the abseil shared libraries with TSan into $1/abseil-lib.
build_tsan_abseil() {
  local dir
  dir=$(cd "$1" && pwd)
  fetch_abseil "$dir"
  cmake -S "$dir/abseil-src" -B "$dir/abseil-build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
    "${launcher[@]}" -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
    -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$dir/abseil-lib" \
    > "$dir/abseil.configure.log" 2>&1 ||
    { cat "$dir/abseil.configure.log"; exit 1; }
  cmake --build "$dir/abseil-build" -j"$jobs" --target \
    synchronization status statusor str_format_internal hash raw_hash_set
}

case "$mode" in
  configure-asan)
    dir=${2:-build-asan}
    configure_asan "$dir"
    ;;
  asan)
    dir=${2:-build-asan}
    configure_asan "$dir"
    cmake --build "$dir" -j"$jobs"
    # install.FindPackageConsumer builds a separate project against the
    # installed (here: instrumented) libraries without the sanitizer
    # runtime; packaging is checked by the plain `make test`.
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900 \
      -E '^install\.'
    ;;
  tsan)
    dir=${2:-build-tsan}
    mkdir -p "$dir"
    build_tsan_abseil "$dir"
    tsan_flags="-fsanitize=thread -fno-omit-frame-pointer"
    configure "$dir" "$tsan_flags" "$tsan_flags"
    targets=(kivi_core_test kivi_memory_test kivi_memory_conformance_test
             kivi_health_test kivi_memcached_conformance_test
             kivi_memcached_integration_test kivi_fault_injection_test
             kivi_memcached_multiplex_test
             kivi_soak_test kivi_observability_test
             kivi_redis_async_test
             kivi_async_stress_test)
    cmake --build "$dir" -j"$jobs" --target "${targets[@]}"
    export LD_LIBRARY_PATH="$(cd "$dir" && pwd)/abseil-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # abseil's Mutex hides its own internal synchronization from TSan on
    # purpose, so the per-thread waiter a Mutex wakes looks unsynchronized
    # with the thread that created it (abseil-cpp#217, sanitizers#953).
    # Upstream's advice, report_atomic_races=0, would hide kivi's races too;
    # these match only abseil's internal files, which never appear in a
    # stack of kivi's own memory accesses.
    cat > "$dir/tsan.supp" <<'EOF'
race:absl/synchronization/internal/waiter.cc
race:absl/synchronization/internal/create_thread_identity.cc
race:absl/base/internal/low_level_alloc.cc
EOF
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:suppressions=$(cd "$dir" && pwd)/tsan.supp}
    # Each binary runs whole (all its cases), one at a time: TSan's
    # overhead makes parallel runs miss their timing bounds on 2 cores.
    failed=()
    for t in "${targets[@]}"; do
      bin=$(find "$dir" -name "$t" -type f -perm -u+x | head -1)
      echo "== tsan: $t"
      if ! "$bin" --gtest_brief=1 > "$dir/$t.log" 2>&1; then
        cat "$dir/$t.log"
        failed+=("$t")
      else
        tail -3 "$dir/$t.log"
      fi
    done
    if [ ${#failed[@]} -gt 0 ]; then
      echo "tsan: failed: ${failed[*]}" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: sanitize.sh asan|tsan|configure-asan [BUILD_DIR]" >&2
    exit 2
    ;;
esac
