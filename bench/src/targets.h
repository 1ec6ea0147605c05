#ifndef KIVI_BENCH_TARGETS_H_
#define KIVI_BENCH_TARGETS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/target.h"

namespace kivi_bench {

// kivi through kivi::Open(url); every session shares the one thread-safe
// Client, as an application would. `name` labels the output.
absl::StatusOr<std::unique_ptr<Target>> NewKiviTarget(const std::string& url,
                                                      const std::string& name);

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

// A client of the bench's gRPC echo server (bench/proto), built like kivi's
// grpc:// backend: one channel, a deadline per call, unbounded receive size.
absl::StatusOr<std::unique_ptr<Target>> NewEchoTarget(const std::string& target);

// The RocksDB API called directly on a database in `path` (created if
// missing) with the table settings of kivi's rocksdb:// (32 MiB block
// cache, 10-bit Bloom filter); BatchGet is the batched MultiGet.
absl::StatusOr<std::unique_ptr<Target>> NewRawRocksDbTarget(
    const std::string& path);

}  // namespace kivi_bench

#endif  // KIVI_BENCH_TARGETS_H_
