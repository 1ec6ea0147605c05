#ifndef KIVI_BENCH_TARGETS_H_
#define KIVI_BENCH_TARGETS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kivi/observer.h"
#include "src/target.h"

namespace kivi_bench {

// kivi through kivi::Open(url); every session shares the one thread-safe
// Client, as an application would. `name` labels the output; `observer`
// (if any) is the Client's, to measure what observing costs.
absl::StatusOr<std::unique_ptr<Target>> NewKiviTarget(
    const std::string& url, const std::string& name,
    std::shared_ptr<kivi::ClientObserver> observer = nullptr);

// libmemcached (the incumbent C client) on `servers` ("host:port", one or
// more), one memcached_st per session, TCP_NODELAY, and weighted ketama
// with MD5 when there is more than one server (the distribution kivi's ring
// is compatible with). BatchGet is memcached_mget + memcached_fetch_result.
absl::StatusOr<std::unique_ptr<Target>> NewLibmemcachedTarget(
    const std::vector<std::string>& servers);

// How the raw-socket floor sends a batch.
enum class RawBatch {
  kClassic,    // One "get k1 ... kN", answered by VALUE blocks and END.
  kPipelined,  // "mg k v q O<i>" per key and a closing "mn".
};

// The raw-socket floor: one blocking socket per session to one memcached
// server, one write per request and as few reads as the reply needs, meta
// "mg"/"ms" for single keys. With kPipelined only batch workloads run.
absl::StatusOr<std::unique_ptr<Target>> NewRawTarget(const std::string& server,
                                                     RawBatch batch);

// hiredis (Debian's 0.14, the incumbent C client for Redis) on one
// "host:port", one redisContext per session; BatchGet is one MGET.
absl::StatusOr<std::unique_ptr<Target>> NewHiredisTarget(
    const std::string& server);

// The Redis raw-socket floor: one blocking socket per session, RESP written
// by hand, replies read without a general parser; BatchGet is one MGET.
absl::StatusOr<std::unique_ptr<Target>> NewRawRedisTarget(
    const std::string& server);

// A client of the bench's gRPC echo server (bench/proto), built like kivi's
// grpc:// backend: one channel, a deadline per call, unbounded receive size.
// `name` tells the callback-API server ("echo") from the synchronous one
// ("echo-sync") in the results.
absl::StatusOr<std::unique_ptr<Target>> NewEchoTarget(
    const std::string& target, const std::string& name = "echo");

// The anchor of the memory store: a bare concurrent hash map from Debian
// (libcuckoo's cuckoohash_map<std::string, std::string>, lock-striped
// buckets), shared by every session like one kivi::Client. Get copies the
// value out into a new string, as a Get that returns the value must; Set
// overwrites in place. Single-key workloads only; bench-only, never linked
// into kivi.
std::unique_ptr<Target> NewCuckooMapTarget();

// The raw libpq floor on a PostgreSQL server: one blocking connection per
// session, a prepared single-row SELECT by primary key for Get and a
// prepared upsert for Set, on kivi's table `table` (which kivi created and
// preloaded). Single-key workloads only.
absl::StatusOr<std::unique_ptr<Target>> NewLibpqTarget(
    const std::string& conninfo, const std::string& table);

// The RocksDB API called directly on a database in `path` (created if
// missing) with the table settings of kivi's rocksdb:// (32 MiB block
// cache, 10-bit Bloom filter); BatchGet is the batched MultiGet.
absl::StatusOr<std::unique_ptr<Target>> NewRawRocksDbTarget(
    const std::string& path);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_TARGETS_H_
