// kivi-bench: kivi against libmemcached, a raw-socket floor and a bare gRPC
// echo server, on servers bench/run.sh starts, memory:// against a bare
// concurrent map, and rocksdb:// against direct RocksDB calls. Prints one
// JSON line per result (see README "Benchmarks"); progress goes to stderr.
//
//   kivi-bench --memcached1=127.0.0.1:P --memcached3=127.0.0.1:A,...
//              --grpc=127.0.0.1:G --echo=127.0.0.1:E --postgres=127.0.0.1:Q
//              --rocksdb_dir=DIR
//              > latest.json
//   kivi-bench --profile_client=kivi --profile_server=127.0.0.1:P ...
//   kivi-bench --free_ports=5

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "src/flags_help.h"
#include "src/json_lines.h"
#include "src/mux_section.h"
#include "src/profile.h"
#include "src/redis_mux_section.h"
#include "src/rounds.h"
#include "src/runner.h"
#include "src/targets.h"

ABSL_FLAG(std::string, memory_url, "memory://",
          "URL of the in-process backend; empty: skip");
ABSL_FLAG(std::string, memcached1, "", "host:port of a memcached server");
ABSL_FLAG(std::string, memcached3, "",
          "host:port,host:port,host:port of three memcached servers");
ABSL_FLAG(std::string, redis1, "", "host:port of a redis-server");
ABSL_FLAG(std::string, redis_cluster, "",
          "host:port,... seed nodes of a Redis Cluster");
ABSL_FLAG(std::string, redis_params, "timeout=10s&max_conns=8",
          "query string of kivi's redis:// URLs");
ABSL_FLAG(std::string, grpc, "", "host:port of kivi-server over memory://");
ABSL_FLAG(std::string, echo, "", "host:port of kivi-bench-echo-server");
ABSL_FLAG(std::string, echo_sync, "",
          "host:port of kivi-bench-echo-server --sync (gRPC's synchronous "
          "server model), measured beside --echo");
ABSL_FLAG(std::string, grpc_threads, "1,32",
          "client thread counts of the grpc section (kivi-server and the echo "
          "servers, Get 32 B); the first is the base of its scaling ratios");
ABSL_FLAG(std::string, postgres, "",
          "host:port of a PostgreSQL server (user and database postgres)");
ABSL_FLAG(std::string, rocksdb_dir, "",
          "directory for two RocksDB databases, kivi's rocksdb:// and the "
          "raw API's, on one file system; empty: skip");
ABSL_FLAG(std::string, memcached_params, "timeout=10s&max_conns=8",
          "query string of kivi's memcached:// URLs");
ABSL_FLAG(std::string, sections, "anchor,matrix,scaling,mux,grpc",
          "what to run: anchor, matrix, scaling, mux (on --memcached1 and "
          "--redis1), grpc (on --grpc, --echo and --echo_sync)");
ABSL_FLAG(std::string, anchor_workloads, "get_hit,get_miss,set,batch100",
          "workloads of the anchor section (single thread, one value size)");
ABSL_FLAG(int, anchor_value_bytes, 100, "value size of the anchor section");
ABSL_FLAG(int, anchor_rounds, 10, "paired rounds per anchor cell");
ABSL_FLAG(absl::Duration, anchor_duration, absl::Milliseconds(250),
          "length of one client's run in one anchor round");
ABSL_FLAG(absl::Duration, anchor_slice, absl::Milliseconds(10),
          "length of the interleaved slices a client's share of an anchor "
          "round is cut into, so that load bursts fall on every client alike");
ABSL_FLAG(std::string, matrix_workloads, "all", "workloads of the matrix");
ABSL_FLAG(std::string, matrix_sizes, "32,1024,102400", "value sizes, bytes");
ABSL_FLAG(std::string, matrix_threads, "1,2,8", "client thread counts");
ABSL_FLAG(int, matrix_rounds, 3, "paired rounds per matrix cell");
ABSL_FLAG(absl::Duration, matrix_duration, absl::Milliseconds(120),
          "length of one client's run in one matrix round");
ABSL_FLAG(absl::Duration, matrix_slice, absl::Milliseconds(30),
          "length of the interleaved slices of a matrix round");
ABSL_FLAG(std::string, scaling_workloads, "mix90_10",
          "workloads of the scaling section: memory:// and a bare concurrent "
          "map (libcuckoo) at every scaling thread count in the same rounds");
ABSL_FLAG(std::string, scaling_capped_url, "memory://?max_bytes=64MiB",
          "URL of a memory store with a byte budget (so reads set CLOCK's "
          "reference bit), measured in the scaling section as kivi-capped; "
          "empty: skip");
ABSL_FLAG(std::string, scaling_sizes, "32", "value sizes, bytes");
ABSL_FLAG(std::string, scaling_threads, "1,2,8",
          "client thread counts; the first is the base of the scaling ratios");
ABSL_FLAG(int, scaling_rounds, 5, "paired rounds per scaling cell");
ABSL_FLAG(absl::Duration, scaling_duration, absl::Milliseconds(200),
          "length of one (client, thread count)'s run in one scaling round");
ABSL_FLAG(absl::Duration, scaling_slice, absl::Milliseconds(10),
          "length of the interleaved slices of a scaling round");
ABSL_FLAG(absl::Duration, budget, absl::Minutes(8),
          "cells not started within this time are reported as skipped");
ABSL_FLAG(int, free_ports, 0,
          "print this many free loopback TCP ports and exit");

namespace kivi_bench {
namespace {

template <typename T>
absl::StatusOr<std::vector<T>> ParseList(absl::string_view list) {
  std::vector<T> out;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    T value;
    if (!absl::SimpleAtoi(item, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", item, "\" in \"", list, "\" is not a number"));
    }
    out.push_back(value);
  }
  return out;
}

// Ports the kernel hands out for port 0, closed again; the caller starts
// its servers on them at once (and retries should one be taken meanwhile).
int PrintFreePorts(int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 ||
        bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::perror("free port");
      return 1;
    }
    std::printf("%d\n", ntohs(address.sin_port));
    fds.push_back(fd);
  }
  for (int fd : fds) close(fd);
  return 0;
}

void Fail(absl::string_view what, const absl::Status& status) {
  EmitJson({{"kind", "error"},
            {"what", std::string(what)},
            {"error", status.ToString()}});
}

// Preloads `data` through the group's first client. With several memcached
// servers, first reports how many of kivi's keys libmemcached finds where
// its own ring puts them (all of them, when the rings agree), then stores
// them through libmemcached too, so neither client measures misses.
bool PreloadGroup(Group& group, const Dataset& data) {
  absl::StatusOr<std::unique_ptr<Session>> first =
      group.targets[0]->NewSession();
  absl::Status status = first.ok() ? Preload(**first, data) : first.status();
  if (!status.ok()) {
    Fail(absl::StrCat("preload ", group.backend), status);
    return false;
  }
  if (group.backend == "rocksdb") {
    // The raw API has a database of its own, loaded alike.
    absl::StatusOr<std::unique_ptr<Session>> raw =
        group.targets[1]->NewSession();
    status = raw.ok() ? Preload(**raw, data) : raw.status();
    if (!status.ok()) Fail("preload rocksdb via the raw API", status);
    return status.ok();
  }
  if (group.backend != "memcached-3") return true;
  absl::StatusOr<std::unique_ptr<Session>> other =
      group.targets[1]->NewSession();
  if (!other.ok()) {
    Fail("libmemcached session", other.status());
    return false;
  }
  size_t found = 0;
  size_t probed = 0;
  std::string value;
  for (size_t size : data.value_sizes()) {
    for (size_t i = 0; i < kKeysPerSize; ++i, ++probed) {
      if ((*other)->Get(data.stored(size).key(i), &value).ok()) ++found;
    }
  }
  EmitJson({{"kind", "ring_compat"},
            {"backend", group.backend},
            {"keys_stored_by_kivi", probed},
            {"found_by_libmemcached", found}});
  status = Preload(**other, data);
  if (!status.ok()) Fail("preload memcached-3 via libmemcached", status);
  return status.ok();
}

std::vector<std::string> Split(const std::string& list) {
  return absl::StrSplit(list, ',', absl::SkipEmpty());
}

// The scaling section: memory:// (stores of their own, holding only this
// section's keys; unbounded, and with a budget if `capped_url` is given) and
// the bare concurrent map, each preloaded with the same keys and values, at
// every thread count in the same paired rounds.
void RunScaling(const std::string& url, const std::string& capped_url,
                const Plan& plan) {
  const Dataset data(plan.value_sizes);
  Group group{.backend = "memory"};
  for (const auto& [u, name] :
       {std::pair{url, "kivi"}, std::pair{capped_url, "kivi-capped"}}) {
    if (u.empty()) continue;
    absl::StatusOr<std::unique_ptr<Target>> kivi = NewKiviTarget(u, name);
    if (!kivi.ok()) {
      Fail(absl::StrCat("kivi::Open ", u), kivi.status());
      return;
    }
    group.targets.push_back(*std::move(kivi));
  }
  group.targets.push_back(NewCuckooMapTarget());
  for (const std::unique_ptr<Target>& target : group.targets) {
    absl::StatusOr<std::unique_ptr<Session>> session = target->NewSession();
    const absl::Status status =
        session.ok() ? Preload(**session, data) : session.status();
    if (!status.ok()) {
      Fail(absl::StrCat("preload scaling ", target->name()), status);
      return;
    }
  }
  Progress("scaling memory");
  RunGroup(group, plan, data);
}

int Run() {
  const std::string params = absl::GetFlag(FLAGS_memcached_params);
  const std::string sections = absl::GetFlag(FLAGS_sections);
  const bool run_anchor = absl::StrContains(sections, "anchor");
  const bool run_matrix = absl::StrContains(sections, "matrix");
  const bool run_scaling = absl::StrContains(sections, "scaling");
  const bool run_grpc = absl::StrContains(sections, "grpc");
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_budget);
  const bool run_mux = absl::StrContains(sections, "mux");
  if (const std::string server = absl::GetFlag(FLAGS_memcached1);
      run_mux && !server.empty()) {
    RunMuxSection(server, absl::GetFlag(FLAGS_anchor_rounds),
                  absl::GetFlag(FLAGS_anchor_duration), deadline);
  }
  if (const std::string server = absl::GetFlag(FLAGS_redis1);
      run_mux && !server.empty()) {
    RunRedisMuxSection(server, absl::GetFlag(FLAGS_anchor_rounds),
                       absl::GetFlag(FLAGS_anchor_duration), deadline);
  }
  if (run_mux && !run_anchor && !run_matrix && !run_scaling && !run_grpc) {
    return 0;
  }

  Plan anchor{.section = "anchor", .deadline = deadline};
  Plan matrix{.section = "matrix", .deadline = deadline};
  Plan scaling{
      .section = "scaling", .deadline = deadline, .pair_threads = true};
  {
    absl::StatusOr<std::vector<Workload>> aw =
        ParseWorkloads(absl::GetFlag(FLAGS_anchor_workloads));
    absl::StatusOr<std::vector<Workload>> mw =
        ParseWorkloads(absl::GetFlag(FLAGS_matrix_workloads));
    absl::StatusOr<std::vector<size_t>> sizes =
        ParseList<size_t>(absl::GetFlag(FLAGS_matrix_sizes));
    absl::StatusOr<std::vector<int>> threads =
        ParseList<int>(absl::GetFlag(FLAGS_matrix_threads));
    absl::StatusOr<std::vector<Workload>> sw =
        ParseWorkloads(absl::GetFlag(FLAGS_scaling_workloads));
    absl::StatusOr<std::vector<size_t>> scaling_sizes =
        ParseList<size_t>(absl::GetFlag(FLAGS_scaling_sizes));
    absl::StatusOr<std::vector<int>> scaling_threads =
        ParseList<int>(absl::GetFlag(FLAGS_scaling_threads));
    for (const absl::Status& s :
         {aw.status(), mw.status(), sizes.status(), threads.status(),
          sw.status(), scaling_sizes.status(), scaling_threads.status()}) {
      if (!s.ok()) {
        Fail("flags", s);
        return 2;
      }
    }
    anchor.workloads = *aw;
    anchor.value_sizes = {
        static_cast<size_t>(absl::GetFlag(FLAGS_anchor_value_bytes))};
    anchor.threads = {1};
    anchor.rounds = absl::GetFlag(FLAGS_anchor_rounds);
    anchor.duration = absl::GetFlag(FLAGS_anchor_duration);
    anchor.slice = absl::GetFlag(FLAGS_anchor_slice);
    matrix.workloads = *mw;
    matrix.value_sizes = *sizes;
    matrix.threads = *threads;
    matrix.rounds = absl::GetFlag(FLAGS_matrix_rounds);
    matrix.duration = absl::GetFlag(FLAGS_matrix_duration);
    matrix.slice = absl::GetFlag(FLAGS_matrix_slice);
    scaling.workloads = *sw;
    scaling.value_sizes = *scaling_sizes;
    scaling.threads = *scaling_threads;
    scaling.rounds = absl::GetFlag(FLAGS_scaling_rounds);
    scaling.duration = absl::GetFlag(FLAGS_scaling_duration);
    scaling.slice = absl::GetFlag(FLAGS_scaling_slice);
  }
  std::vector<size_t> all_sizes = matrix.value_sizes;
  all_sizes.push_back(anchor.value_sizes[0]);
  // The grpc section: kivi-server against the echo servers at growing
  // thread counts, each thread count over the first in paired rounds.
  Plan grpc_plan{.section = "grpc", .deadline = deadline, .pair_threads = true};
  if (run_grpc) {
    absl::StatusOr<std::vector<int>> threads =
        ParseList<int>(absl::GetFlag(FLAGS_grpc_threads));
    if (!threads.ok()) {
      Fail("--grpc_threads", threads.status());
      return 2;
    }
    grpc_plan.workloads = {Workload::kGetHit};
    grpc_plan.value_sizes = {32};
    grpc_plan.threads = *threads;
    grpc_plan.rounds = absl::GetFlag(FLAGS_scaling_rounds);
    grpc_plan.duration = absl::GetFlag(FLAGS_scaling_duration);
    grpc_plan.slice = absl::GetFlag(FLAGS_scaling_slice);
    all_sizes.push_back(32);
  }
  const Dataset data(all_sizes);
  // rocksdb:// runs the anchor only, so its two databases hold only the
  // anchor's values: both stay in their memtables, in the same state. Its
  // writes run last: each client's writes pile versions into its own
  // memtable (LSM writes never overwrite in place), at its own rate, which
  // would slow the later reads of the faster writer (measured: BatchGet(100)
  // 2.9k/s before a Set run, 0.1-0.2k/s after).
  const Dataset anchor_data(anchor.value_sizes);
  Plan reads_first = anchor;
  std::stable_partition(
      reads_first.workloads.begin(), reads_first.workloads.end(),
      [](Workload w) { return w != Workload::kSet && w != Workload::kMix; });

  // (group, runs in anchor, runs in matrix)
  struct Entry {
    Group group;
    bool anchor;
    bool matrix = true;
    const Dataset* data = nullptr;  // Null: `data`.
    const Plan* anchor_plan = nullptr;  // Null: `anchor`.
  };
  std::vector<Entry> entries;
  auto add_kivi = [&](Group& group, const std::string& url) {
    absl::StatusOr<std::unique_ptr<Target>> kivi = NewKiviTarget(url, "kivi");
    if (!kivi.ok()) {
      Fail(absl::StrCat("kivi::Open ", url), kivi.status());
      return false;
    }
    group.targets.push_back(*std::move(kivi));
    return true;
  };

  if (const std::string url = absl::GetFlag(FLAGS_memory_url); !url.empty()) {
    Entry e{{.backend = "memory"}, false};
    if (add_kivi(e.group, url)) entries.push_back(std::move(e));
  }
  if (const std::string server = absl::GetFlag(FLAGS_memcached1);
      !server.empty()) {
    Entry e{{.backend = "memcached-1"}, true};
    if (add_kivi(e.group, absl::StrCat("memcached://", server, "?", params))) {
      e.group.targets.push_back(*NewLibmemcachedTarget({server}));
      e.group.targets.push_back(*NewRawTarget(server, RawBatch::kClassic));
      e.group.targets.push_back(*NewRawTarget(server, RawBatch::kPipelined));
      entries.push_back(std::move(e));
    }
  }
  if (const std::string servers = absl::GetFlag(FLAGS_memcached3);
      !servers.empty()) {
    Entry e{{.backend = "memcached-3"}, true};
    if (add_kivi(e.group, absl::StrCat("memcached://", servers, "?", params))) {
      e.group.targets.push_back(*NewLibmemcachedTarget(Split(servers)));
      entries.push_back(std::move(e));
    }
  }
  const std::string redis_params = absl::GetFlag(FLAGS_redis_params);
  if (const std::string server = absl::GetFlag(FLAGS_redis1); !server.empty()) {
    Entry e{{.backend = "redis-1"}, true};
    if (add_kivi(e.group,
                 absl::StrCat("redis://", server, "?", redis_params))) {
      e.group.targets.push_back(*NewHiredisTarget(server));
      e.group.targets.push_back(*NewRawRedisTarget(server));
      entries.push_back(std::move(e));
    }
  }
  if (const std::string seeds = absl::GetFlag(FLAGS_redis_cluster);
      !seeds.empty()) {
    Entry e{{.backend = "redis-cluster"}, true};
    if (add_kivi(e.group,
                 absl::StrCat("redis+cluster://", seeds, "?", redis_params))) {
      entries.push_back(std::move(e));
    }
  }
  if (const std::string server = absl::GetFlag(FLAGS_postgres);
      !server.empty()) {
    // Anchor only: every write is a synced commit, so the matrix's large
    // values and thread counts would spend the whole budget here.
    Entry e{{.backend = "postgres"}, true, false};
    const std::vector<std::string> host_port =
        absl::StrSplit(server, absl::MaxSplits(':', 1));
    if (host_port.size() == 2 &&
        add_kivi(
            e.group,
            absl::StrCat("postgres://postgres@", server,
                         "/postgres?table=bench&timeout=10s&max_conns=8"))) {
      e.group.targets.push_back(*NewLibpqTarget(
          absl::StrCat("host=", host_port[0], " port=", host_port[1],
                       " user=postgres dbname=postgres"),
          "bench"));
      entries.push_back(std::move(e));
    }
  }
  if (const std::string server = absl::GetFlag(FLAGS_grpc); !server.empty()) {
    Entry e{{.backend = "grpc"}, false};
    if (add_kivi(e.group, absl::StrCat("grpc://", server, "?timeout=10s"))) {
      if (const std::string echo = absl::GetFlag(FLAGS_echo); !echo.empty()) {
        absl::StatusOr<std::unique_ptr<Target>> target = NewEchoTarget(echo);
        if (target.ok()) {
          e.group.targets.push_back(*std::move(target));
        } else {
          Fail("echo client", target.status());
        }
      }
      if (const std::string echo = absl::GetFlag(FLAGS_echo_sync);
          !echo.empty()) {
        absl::StatusOr<std::unique_ptr<Target>> target =
            NewEchoTarget(echo, "echo-sync");
        if (target.ok()) {
          e.group.targets.push_back(*std::move(target));
        } else {
          Fail("echo-sync client", target.status());
        }
      }
      entries.push_back(std::move(e));
    }
  }

  if (const std::string dir = absl::GetFlag(FLAGS_rocksdb_dir); !dir.empty()) {
    // Anchor only: the issue's goals are single-thread ratios, and the
    // matrix would write its 100 KiB values to disk for minutes.
    Entry e{{.backend = "rocksdb"}, true, false, &anchor_data, &reads_first};
    if (add_kivi(e.group, absl::StrCat("rocksdb://", dir, "/kivi"))) {
      absl::StatusOr<std::unique_ptr<Target>> raw =
          NewRawRocksDbTarget(absl::StrCat(dir, "/raw"));
      if (raw.ok()) {
        e.group.targets.push_back(*std::move(raw));
        entries.push_back(std::move(e));
      } else {
        Fail("raw rocksdb", raw.status());
      }
    }
  }

  for (Entry& e : entries) {
    Progress(absl::StrCat("preloading ", e.group.backend));
    if (!PreloadGroup(e.group, e.data ? *e.data : data)) return 1;
  }
  if (run_anchor) {
    for (Entry& e : entries) {
      if (!e.anchor) continue;
      Progress(absl::StrCat("anchor ", e.group.backend));
      RunGroup(e.group, e.anchor_plan ? *e.anchor_plan : anchor,
               e.data ? *e.data : data);
    }
  }
  if (const std::string url = absl::GetFlag(FLAGS_memory_url);
      run_scaling && !url.empty() && !scaling.threads.empty()) {
    RunScaling(url, absl::GetFlag(FLAGS_scaling_capped_url), scaling);
  }
  if (run_matrix) {
    for (Entry& e : entries) {
      if (!e.matrix) continue;
      Progress(absl::StrCat("matrix ", e.group.backend));
      RunGroup(e.group, matrix, data);
    }
  }
  for (Entry& e : entries) {
    if (!run_grpc || e.group.backend != "grpc") continue;
    Progress("grpc scaling");
    RunGroup(e.group, grpc_plan, data);
  }
  return 0;
}

}  // namespace
}  // namespace kivi_bench

int main(int argc, char** argv) {
  constexpr absl::string_view kUsage =
      "measures kivi against libmemcached and raw floors; prints JSON lines.\n"
      "  bench/run.sh (make bench) starts the servers and runs kivi-bench";
  constexpr absl::string_view kFlagSources[] = {"bench/src/"};
  if (kivi::cli::PrintFlagsHelpIfAsked(
          absl::MakeConstSpan(argv + 1, static_cast<size_t>(argc - 1)), kUsage,
          kFlagSources, stdout)) {
    return 0;
  }
  absl::SetProgramUsageMessage(kUsage);
  absl::ParseCommandLine(argc, argv);
  if (const int n = absl::GetFlag(FLAGS_free_ports); n > 0) {
    return kivi_bench::PrintFreePorts(n);
  }
  if (kivi_bench::ProfileRequested()) return kivi_bench::RunProfile();
  return kivi_bench::Run();
}
