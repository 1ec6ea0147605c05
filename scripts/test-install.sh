#!/usr/bin/env bash
# Installs kivi from a build tree into a scratch prefix, builds the separate
# examples/quickstart and examples/async projects against it with
# find_package(kivi), and runs them on memory://, on rocksdb:// (a scratch
# directory, quickstart only) and on grpc:// against a kivi-server child
# process. Also checks that the README shows the examples exactly as they
# are compiled.
#
# usage: test-install.sh SOURCE_DIR BUILD_DIR KIVI_SERVER_BINARY
set -euo pipefail
src=$1
build=$2
server_bin=$3

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The README's C++ example must be the file the tests compile.
sed -n '/<!-- example:begin -->/,/<!-- example:end -->/p' "$src/README.md" \
  | sed '1,2d;$d' | sed '$d' > "$work/readme_example.cc"
if ! diff -u "$src/examples/quickstart/main.cc" "$work/readme_example.cc"; then
  echo "README.md's example differs from examples/quickstart/main.cc" >&2
  exit 1
fi
sed -n '/<!-- async-example:begin -->/,/<!-- async-example:end -->/p' "$src/README.md" \
  | sed '1,2d;$d' | sed '$d' > "$work/readme_async_example.cc"
if ! diff -u "$src/examples/async/main.cc" "$work/readme_async_example.cc"; then
  echo "README.md's async example differs from examples/async/main.cc" >&2
  exit 1
fi

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$src/examples/quickstart" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
cmake -S "$src/examples/async" -B "$work/build-async" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}" > "$work/configure-async.log"
cmake --build "$work/build-async" > "$work/build-async.log"

"$work/build/quickstart" "memory://?namespace=example:"
"$work/build/quickstart" "rocksdb://$work/rocksdb?namespace=example:"
"$work/build-async/async_example" "memory://?namespace=example:"

"$server_bin" --listen=127.0.0.1:0 --backend=memory:// > "$work/server.log" 2>&1 &
server_pid=$!
addr=""
for _ in $(seq 1 100); do
  addr=$(grep -o 'listening on [0-9.]*:[0-9]*' "$work/server.log" | awk '{print $3}' || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
if [ -z "$addr" ]; then
  echo "kivi-server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
"$work/build/quickstart" "grpc://$addr"
"$work/build-async/async_example" "grpc://$addr"
