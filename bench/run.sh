#!/usr/bin/env bash
# make bench: runs kivi's benchmarks end to end, in bounded time.
#
#   bash bench/run.sh [BUILD_DIR]          # full run, under 10 minutes
#   BENCH_QUICK=1 bash bench/run.sh build  # smoke run, about 3 minutes
#
# Starts its own servers on free loopback ports (memcached x1 and x3,
# kivi-server over memory://, the bare gRPC echo server), runs kivi-bench
# (kivi vs libmemcached vs a raw-socket floor, kivi-server vs echo,
# rocksdb:// vs the raw RocksDB API on two databases under $WORK), counts
# instructions (callgrind), allocations (memcheck) and system calls
# (strace -c) per operation, and writes bench/results/: latest.json (one
# JSON line per result), summary.md and chart.svg. Every server it started
# is stopped on exit, whatever happens. memory:// is measured in process,
# against a bare concurrent map (libcuckoo) at 1, 2 and 8 threads.
set -euo pipefail

BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BENCH=$BUILD_DIR/bench/kivi-bench
REPORT=$BUILD_DIR/bench/kivi-bench-report
ECHO_SERVER=$BUILD_DIR/bench/kivi-bench-echo-server
KIVI_SERVER=$BUILD_DIR/server/kivi-server
RESULTS=bench/results
QUICK=${BENCH_QUICK:-0}

for binary in "$BENCH" "$REPORT" "$ECHO_SERVER" "$KIVI_SERVER"; do
  if [ ! -x "$binary" ]; then
    echo "run.sh: $binary is missing; build first (make bench does)" >&2
    exit 1
  fi
done
for tool in memcached redis-server redis-cli valgrind strace gnuplot; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: $tool is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done

if [ "$QUICK" = 1 ]; then
  BENCH_FLAGS=(--anchor_rounds=3 --anchor_duration=100ms --matrix_rounds=1
               --matrix_duration=50ms --scaling_rounds=3
               --scaling_duration=100ms --budget=2m)
  PROFILE_OPS=(100 600)      # callgrind and memcheck runs
  STRACE_OPS=(200 2200)      # perf and strace runs
  BENCH_TIMEOUT=180
else
  BENCH_FLAGS=(--anchor_rounds=10 --anchor_duration=250ms --matrix_rounds=3
               --matrix_duration=120ms --scaling_rounds=5
               --scaling_duration=200ms --budget=6m)
  PROFILE_OPS=(200 1200)
  STRACE_OPS=(1000 6000)
  BENCH_TIMEOUT=450
fi

WORK=$(mktemp -d /tmp/kivi-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for_port() {
  local port=$1
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# Server starters set ADDRESS (not printed: a $(...) subshell would lose the
# pid that cleanup must stop).
ADDRESS=
# memcached as the issue measures it: 1.6.18, default threads; memory for
# 1000 keys of each value size (100 KiB ones included).
MEMCACHED_USER=()
if [ "$(id -u)" = 0 ]; then MEMCACHED_USER=(-u nobody); fi
start_memcached() {
  local port
  for _ in 1 2 3; do
    port=$("$BENCH" --free_ports=1)
    memcached "${MEMCACHED_USER[@]}" -l 127.0.0.1 -p "$port" -U 0 -m 1024 \
      >"$WORK/memcached-$port.log" 2>&1 &
    local pid=$!
    if wait_for_port "$port" && kill -0 "$pid" 2>/dev/null; then
      PIDS+=("$pid")
      ADDRESS=127.0.0.1:$port
      return 0
    fi
    kill "$pid" 2>/dev/null || true
  done
  echo "run.sh: cannot start memcached" >&2
  return 1
}

# redis-server with no persistence, its files in the work directory; extra
# arguments (cluster mode) are passed on.
start_redis() {
  local port
  for _ in 1 2 3; do
    port=$("$BENCH" --free_ports=1)
    mkdir -p "$WORK/redis-$port"
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$WORK/redis-$port" "$@" >"$WORK/redis-$port.log" 2>&1 &
    local pid=$!
    if wait_for_port "$port" && kill -0 "$pid" 2>/dev/null; then
      PIDS+=("$pid")
      ADDRESS=127.0.0.1:$port
      return 0
    fi
    kill "$pid" 2>/dev/null || true
  done
  echo "run.sh: cannot start redis-server" >&2
  return 1
}

# Three cluster-mode redis-servers joined into one cluster (slots spread
# evenly, no replicas); ADDRESS is the comma-separated seed list.
start_redis_cluster() {
  local seeds=() bus
  for _ in 1 2 3; do
    bus=$("$BENCH" --free_ports=1)
    start_redis --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-port "$bus"
    seeds+=("$ADDRESS")
  done
  redis-cli --cluster create "${seeds[@]}" --cluster-yes \
    >"$WORK/redis-cluster-create.log" 2>&1
  for seed in "${seeds[@]}"; do
    for _ in $(seq 200); do
      if redis-cli -h 127.0.0.1 -p "${seed##*:}" cluster info 2>/dev/null |
        grep -q cluster_state:ok; then break; fi
      sleep 0.05
    done
  done
  ADDRESS=$(IFS=,; echo "${seeds[*]}")
}

# Starts a gRPC server binary listening on port 0; ADDRESS is the address it
# reports ("... listening on ADDR ...").
start_grpc_server() {
  local name=$1
  shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 200); do
    local address
    address=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$WORK/$name.out")
    if [ -n "$address" ]; then
      ADDRESS=$address
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.05
  done
  echo "run.sh: $name did not start:" >&2
  cat "$WORK/$name.err" >&2
  return 1
}

# PostgreSQL 15 (Debian's), a fresh cluster in $WORK, fsync on, as the
# postgres user when we are root (initdb refuses root). Skipped, with a
# message, when not installed.
PG_BIN=${KIVI_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
PG=
start_postgres() {
  [ -x "$PG_BIN/initdb" ] || { echo "run.sh: no PostgreSQL in $PG_BIN; postgres rows skipped" >&2; return 0; }
  local as=() dir=$WORK/postgres port
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chmod 711 "$WORK"  # mktemp's 0700 would keep the postgres user out.
    chown postgres: "$dir"
    as=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  fi
  "${as[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
    --locale=C -E UTF8 --no-sync >"$WORK/initdb.log" 2>&1 || {
    echo "run.sh: initdb failed" >&2; cat "$WORK/initdb.log" >&2; return 1; }
  port=$("$BENCH" --free_ports=1)
  "${as[@]}" "$PG_BIN/postgres" -D "$dir/data" -p "$port" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" \
    -c fsync=on >"$WORK/postgres.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 200); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      PG=127.0.0.1:$port
      return 0
    fi
    sleep 0.05
  done
  echo "run.sh: postgres did not start" >&2
  cat "$WORK/postgres.log" >&2
  return 1
}

start_memcached
MC1=$ADDRESS
MC3=
for _ in 1 2 3; do
  start_memcached
  MC3=${MC3:+$MC3,}$ADDRESS
done
start_redis
REDIS1=$ADDRESS
start_redis_cluster
REDIS_CLUSTER=$ADDRESS
start_grpc_server kivi-server "$KIVI_SERVER" --listen=127.0.0.1:0 \
  --backend=memory://
GRPC=$ADDRESS
start_grpc_server echo "$ECHO_SERVER" --listen=127.0.0.1:0
ECHO=$ADDRESS
start_grpc_server echo-sync "$ECHO_SERVER" --listen=127.0.0.1:0 --sync
ECHO_SYNC=$ADDRESS
start_postgres
echo "run.sh: memcached $MC1 and $MC3, redis $REDIS1 and cluster" \
  "$REDIS_CLUSTER, kivi-server $GRPC, echo $ECHO, postgres ${PG:-none}" >&2

json_string() { printf '"%s"' "$(printf '%s' "$1" | tr -d '"\\' | tr '\n' ' ')"; }

OUT=$WORK/latest.json
{
  printf '{"kind":"machine"'
  printf ',"cpu":%s' "$(json_string "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)")"
  printf ',"cpus":%s' "$(nproc)"
  printf ',"memory":%s' "$(json_string "$(free -h | awk '/^Mem:/ {print $2}')")"
  printf ',"os":%s' "$(json_string "$(. /etc/os-release && echo "$PRETTY_NAME")")"
  printf ',"kernel":%s' "$(json_string "$(uname -r)")"
  printf ',"memcached":%s' "$(json_string "$(memcached -V) (default threads)")"
  printf ',"libmemcached":%s' "$(json_string "$(pkg-config --modversion libmemcached)")"
  printf ',"commit":%s' "$(json_string "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)")"
  printf ',"date":%s' "$(json_string "$(date -u +%Y-%m-%dT%H:%MZ)")"
  printf ',"mode":%s' "$(json_string "$([ "$QUICK" = 1 ] && echo quick || echo full)")"
  printf ',"load_before":%s' "$(json_string "$(cut -d' ' -f1-3 /proc/loadavg)")"
  printf '}\n'
} >"$OUT"

echo "run.sh: benchmarks (bounded by ${BENCH_TIMEOUT}s)" >&2
timeout "$BENCH_TIMEOUT" "$BENCH" --memcached1="$MC1" --memcached3="$MC3" \
  --redis1="$REDIS1" --redis_cluster="$REDIS_CLUSTER" \
  --grpc="$GRPC" --echo="$ECHO" --echo_sync="$ECHO_SYNC" \
  ${PG:+--postgres="$PG"} \
  --rocksdb_dir="$WORK/rocksdb" \
  "${BENCH_FLAGS[@]}" >>"$OUT" ||
  echo "run.sh: kivi-bench stopped early (status $?); results so far kept" >&2

# --- Cost per operation: two runs of N1 and N2 operations, the difference
# divided by N2-N1, so start-up and connecting cancel out.
profile() {  # client op ops
  "$BENCH" --profile_client="$1" --profile_server="$MC1" --profile_op="$2" \
    --profile_ops="$3" --profile_value_bytes=100
}

instructions() {  # client op
  local n1=${PROFILE_OPS[0]} n2=${PROFILE_OPS[1]} ir=()
  for n in "$n1" "$n2"; do
    local file=$WORK/callgrind.$1.$2.$n
    timeout 120 valgrind --tool=callgrind --callgrind-out-file="$file" \
      "$BENCH" --profile_client="$1" --profile_server="$MC1" \
      --profile_op="$2" --profile_ops="$n" --profile_value_bytes=100 \
      >/dev/null 2>"$file.log" || return 0
    ir+=("$(awk '/^(summary|totals):/ {print $2; exit}' "$file")")
  done
  awk -v c="$1" -v o="$2" -v a="${ir[0]}" -v b="${ir[1]}" -v d=$((n2 - n1)) \
    'BEGIN {printf "{\"kind\":\"instructions\",\"client\":\"%s\",\"op\":\"%s\",\"value_bytes\":100,\"per_op\":%.1f}\n", c, o, (b - a) / d}'
}

allocations() {  # client op
  local n1=${PROFILE_OPS[0]} n2=${PROFILE_OPS[1]} counts=()
  for n in "$n1" "$n2"; do
    local log=$WORK/memcheck.$1.$2.$n.log
    timeout 120 valgrind --tool=memcheck --leak-check=no \
      "$BENCH" --profile_client="$1" --profile_server="$MC1" \
      --profile_op="$2" --profile_ops="$n" --profile_value_bytes=100 \
      >/dev/null 2>"$log" || return 0
    counts+=("$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs, [0-9,]* frees, \([0-9,]*\) bytes.*/\1 \2/p' "$log" | tr -d ,)")
  done
  awk -v c="$1" -v o="$2" -v a="${counts[0]}" -v b="${counts[1]}" -v d=$((n2 - n1)) \
    'BEGIN {split(a, x, " "); split(b, y, " ");
      printf "{\"kind\":\"allocations\",\"client\":\"%s\",\"op\":\"%s\",\"value_bytes\":100,\"per_op\":%.2f,\"bytes_per_op\":%.1f}\n",
        c, o, (y[1] - x[1]) / d, (y[2] - x[2]) / d}'
}

# System calls, two ways. perf counts them natively (the syscall
# tracepoints); strace -c names them too but slows every call down, so a
# reply is more often already there when a non-blocking client first reads,
# hiding the EAGAIN read + poll a native run makes. Both are reported; perf
# is skipped where the kernel does not allow it.
SYSCALLS=(sendto recvfrom poll ppoll epoll_wait select read write readv writev
          sendmsg recvmsg futex)
PERF_EVENTS=raw_syscalls:sys_enter$(printf ',syscalls:sys_enter_%s' "${SYSCALLS[@]}")
PERF_OK=0
if command -v perf >/dev/null &&
   perf stat -x, -e "$PERF_EVENTS" -- true >/dev/null 2>&1; then
  PERF_OK=1
fi

syscalls() {  # client op
  local n1=${STRACE_OPS[0]} n2=${STRACE_OPS[1]}
  [ "$PERF_OK" = 1 ] || return 0
  for n in "$n1" "$n2"; do
    timeout 60 perf stat -x, -o "$WORK/perf.$1.$2.$n" -e "$PERF_EVENTS" -- \
      "$BENCH" --profile_client="$1" --profile_server="$MC1" \
      --profile_op="$2" --profile_ops="$n" --profile_value_bytes=100 \
      >/dev/null 2>&1 || return 0
  done
  # perf -x, lines: count,,event,...
  awk -F, -v c="$1" -v o="$2" -v d=$((n2 - n1)) '
    FNR == 1 { file++ }
    $3 ~ /^(raw_)?syscalls:sys_enter/ { calls[$3] += (file == 1 ? -$1 : $1) }
    END {
      names = ""
      for (event in calls) {
        per = calls[event] / d
        if (event == "raw_syscalls:sys_enter") { total = per; continue }
        if (per < 0.005) continue
        name = event; sub(/^syscalls:sys_enter_/, "", name)
        names = names sprintf("%s\"%s\":%.3f", names == "" ? "" : ",", name, per)
      }
      printf "{\"kind\":\"syscalls\",\"tool\":\"perf\",\"client\":\"%s\",\"op\":\"%s\",\"value_bytes\":100,\"per_op\":%.3f,\"by_name\":{%s}}\n", c, o, total, names
    }' "$WORK/perf.$1.$2.$n1" "$WORK/perf.$1.$2.$n2"
}

syscalls_strace() {  # client op
  local n1=${STRACE_OPS[0]} n2=${STRACE_OPS[1]}
  for n in "$n1" "$n2"; do
    timeout 60 strace -f -c -o "$WORK/strace.$1.$2.$n" \
      "$BENCH" --profile_client="$1" --profile_server="$MC1" \
      --profile_op="$2" --profile_ops="$n" --profile_value_bytes=100 \
      >/dev/null 2>&1 || return 0
  done
  # strace -c's table: calls is the 4th column, the name the last.
  awk -v c="$1" -v o="$2" -v d=$((n2 - n1)) '
    FNR == 1 { file++; section = 0 }
    /^------/ { section++; next }
    section == 1 && NF >= 5 { calls[$NF] += (file == 1 ? -$4 : $4) }
    END {
      total = 0; names = ""
      for (name in calls) {
        per = calls[name] / d
        if (per < 0.005) continue
        total += per
        names = names sprintf("%s\"%s\":%.3f", names == "" ? "" : ",", name, per)
      }
      printf "{\"kind\":\"syscalls_strace\",\"client\":\"%s\",\"op\":\"%s\",\"value_bytes\":100,\"per_op\":%.3f,\"by_name\":{%s}}\n", c, o, total, names
    }' "$WORK/strace.$1.$2.$n1" "$WORK/strace.$1.$2.$n2"
}

echo "run.sh: cost per operation (callgrind, memcheck, strace -c)" >&2
# Stores the keys once, so that no measured run does.
profile kivi get_hit 0 >/dev/null || echo "run.sh: priming the profile keys failed" >&2
for client in kivi libmemcached raw; do
  for op in get_hit set batch100; do
    instructions "$client" "$op" >>"$OUT"
    allocations "$client" "$op" >>"$OUT"
    syscalls "$client" "$op" >>"$OUT"
    syscalls_strace "$client" "$op" >>"$OUT"
  done
done
for tool in instructions allocations syscalls syscalls_strace; do
  "$tool" raw-pipelined batch100 >>"$OUT"
done
# In-process: no server; every run stores its own keys first, alike.
instructions kivi-memory get_hit >>"$OUT"
allocations kivi-memory get_hit >>"$OUT"
printf '{"kind":"machine_after","load_after":%s}\n' \
  "$(json_string "$(cut -d' ' -f1-3 /proc/loadavg)")" >>"$OUT"

mkdir -p "$RESULTS"
cp "$OUT" "$RESULTS/latest.json"
"$REPORT" --input="$RESULTS/latest.json" --output_dir="$RESULTS" >/dev/null
SUBTITLE="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs, $(memcached -V), libmemcached $(pkg-config --modversion libmemcached), $(date -u +%Y-%m-%d)"
gnuplot -e "datadir='$RESULTS'" -e "subtitle='$SUBTITLE'" bench/plot.gp \
  >"$RESULTS/chart.svg"
echo "run.sh: wrote $RESULTS/latest.json, $RESULTS/summary.md, $RESULTS/chart.svg" >&2
sed -n '/^## Goals/,/^## Reference/p' "$RESULTS/summary.md" | sed '$d'
