#ifndef KIVI_RESULTS_H_
#define KIVI_RESULTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace kivi {

// The outcome of a BatchGet. Every requested key is in exactly one of three
// states: in `found` (a hit), in `failed` (its server could not answer; the
// status says why), or in neither (a miss). Keys are the caller's keys, with
// no namespace prefix.
struct BatchGetResult {
  absl::flat_hash_map<std::string, std::string> found;
  absl::flat_hash_map<std::string, absl::Status> failed;
};

// The outcome of a BatchSet or BatchDelete: keys whose write failed, with the
// reason. A key not in `failed` was written (or, for delete, is now absent).
struct BatchWriteResult {
  absl::flat_hash_map<std::string, absl::Status> failed;

  bool ok() const { return failed.empty(); }
};

// A key/value pair for BatchSet.
struct KeyValue {
  std::string key;
  std::string value;
};

// A value together with an opaque version (memcached's CAS unique). The
// version changes on every write of the key; pass it to CompareAndSet.
struct VersionedValue {
  std::string value;
  uint64_t version = 0;
};

// The health of one endpoint of a backend (one memcached server, the remote
// kivi-server, the embedded store).
struct EndpointHealth {
  std::string endpoint;  // e.g. "127.0.0.1:11211", "memory".
  bool ok = false;
  absl::Duration latency;  // Round-trip time of the probe.
  absl::Status error;      // Why it is not ok; OkStatus() when ok.
};

// The health of a whole backend. It is ok when every endpoint is ok.
struct HealthReport {
  std::vector<EndpointHealth> endpoints;

  bool ok() const;
  // One line per endpoint: "endpoint ok 0.2ms" / "endpoint DOWN: reason".
  std::string ToString() const;
};

// Counters reported by one endpoint (memcached's `stats`, the memory store's
// item and byte counts). Names and values are the server's own.
struct EndpointStats {
  std::string endpoint;
  std::vector<std::pair<std::string, std::string>> values;
};

// A backend's view of one endpoint, for monitoring: whether it sends the
// endpoint traffic, and its connection pool when it keeps one. Taken from
// memory, without I/O.
struct EndpointState {
  std::string endpoint;  // e.g. "127.0.0.1:11211".
  // False while the backend has marked the endpoint down after failures
  // (its keys fail fast until it is retried).
  bool up = true;
  // The endpoint's connection pool; absent for backends without one.
  struct Pool {
    int open = 0;     // Connections open: idle, lent out or connecting.
    int idle = 0;     // Open connections waiting in the pool.
    int max = 0;      // Most connections the pool opens.
    int waiters = 0;  // Callers waiting for a connection.
  };
  std::optional<Pool> pool;
};

}  // namespace kivi

#endif  // KIVI_RESULTS_H_
