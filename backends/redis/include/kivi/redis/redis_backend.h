#ifndef KIVI_REDIS_REDIS_BACKEND_H_
#define KIVI_REDIS_REDIS_BACKEND_H_

// The redis backend: RESP3 (RESP2 where HELLO is refused) over the shared
// network layer (kivi::net: bounded pools, deadlines, TLS, out-of-sync
// rules), on one Redis server or a Redis Cluster.
//
// URL forms (every parameter optional; defaults as in RedisOptions):
//   redis://[user[:password]@]host[:port][/db][?params]      one server
//   rediss://...                                             the same, TLS
//   redis+cluster://host:port[,host:port...][?params]        Redis Cluster
// Parameters: timeout, connect_timeout, list_timeout, max_conns, max_idle,
// mux_conns, retry_timeout, failure_limit, password_file, lock_ttl,
// lock_wait, the TLS parameters every networked backend reads (tls, tls_ca,
// tls_cert, tls_key, tls_verify, tls_server_name; rediss:// implies tls=1),
// and the shared ones read by core: namespace, default_ttl,
// max_value_bytes.
//
// Data model: a value is a plain Redis string under the key (namespace
// included), with no envelope, so redis-cli and any other Redis client read
// and write the same keys. TTLs are milliseconds (SET PX, PEXPIRE, GETEX
// PX).
//
// Versions (GetVersioned / CompareAndSet): Redis keeps no per-key write
// counter, so a version is a digest of the value: the first 64 bits of the
// SHA-1 of its bytes, computed by a server-side script. CompareAndSet
// stores only if the value's digest is still the one read, in one atomic
// script. This has ABA semantics: a value that changed and changed back
// (A -> B -> A) between the read and the CompareAndSet still matches, and
// rewriting the same bytes does not spend a version. Callers that need
// every write to count must put a counter in the value.
//
// Contract semantics that Redis's own commands lack are kept by scripts
// (EVALSHA, loaded once per server and reloaded after NOSCRIPT):
// Increment wraps modulo 2^64 and Decrement stops at 0 (INCRBY is signed
// and refuses to overflow); Prepend keeps the TTL; CompareAndSet compares
// digests.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kivi/backend.h"
#include "kivi/key_rules.h"
#include "kivi/net/tls_options.h"
#include "kivi/registry.h"

namespace kivi {

struct RedisOptions {
  // "host:port" of the server, or of the cluster's seed nodes (any number;
  // the client discovers the masters from the first that answers). A
  // missing port is 6379.
  std::vector<std::string> nodes;
  // Redis Cluster: keys are placed by hash slot and MOVED/ASK followed.
  bool cluster = false;
  // The logical database (SELECT) of a single server; a cluster has only 0.
  int db = 0;

  // ACL credentials (AUTH user password, sent in HELLO). An empty user with
  // a password authenticates as "default".
  std::string user;
  std::string password;

  // Upper bound for one operation, including waiting for a pooled
  // connection, connecting and following redirections. A batch gets it for
  // all its nodes at once, driven in parallel.
  absl::Duration timeout = absl::Seconds(1);
  // Upper bound for List, which scans every master.
  absl::Duration list_timeout = absl::Seconds(30);
  // Upper bound for establishing one connection (TCP, TLS, HELLO/AUTH,
  // SELECT).
  absl::Duration connect_timeout = absl::Seconds(1);
  // Connections per node: never more open at once; callers wait, within
  // their deadline, for one.
  int max_conns = 8;
  // Idle connections kept per node.
  int max_idle = 4;
  // Multiplexed connections per node (net/multiplexer.h), which carry the
  // single-key operations, synchronous and asynchronous: concurrent
  // callers' requests share them, many in flight on each (Redis answers in
  // order), written together. Borrowed from the pool as load needs them
  // (so max_conns bounds every connection to a node) and given back when
  // idle; the batches, List, Stats, Flush, Health and the slot map's loads
  // use the pool directly. 0: single-key operations take a pooled
  // connection each, one request at a time, and asynchronous calls run on
  // the client's executor.
  int mux_conns = 2;
  // A node with `failure_limit` consecutive failures (timeouts, refused
  // connections, broken replies) is down for `retry_timeout`: its keys fail
  // fast with Unavailable until one call tries it again.
  absl::Duration retry_timeout = absl::Seconds(2);
  int failure_limit = 3;

  // TLS (rediss://, or tls=1). With `tls.verify` (the default) the server's
  // certificate must chain to `tls.ca_file` (or the system's trust store)
  // and carry the host connected to (or `tls.server_name`); see
  // kivi/net/tls_options.h.
  net::TlsOptions tls;

  // Largest value; Append/Prepend whose result would exceed it fail with
  // InvalidArgument and leave the value unchanged.
  size_t max_value_bytes = kDefaultMaxValueBytes;

  // GetOrSet's cross-process guard: the lock a loading caller holds (SET NX
  // PX) expires after `lock_ttl`, and a caller that finds it held waits up
  // to `lock_wait` for the value before loading itself.
  absl::Duration lock_ttl = absl::Seconds(10);
  absl::Duration lock_wait = absl::Seconds(5);
};

// Creates a backend over `options.nodes`. Connections are opened lazily,
// so an unreachable node is not an error here (a cluster's slot map is
// loaded on first use). InvalidArgument for a malformed node list, a
// non-positive limit or a TLS setup that fails (naming the file).
//
// The backend is thread-safe. Its error contract, beyond backend.h:
//   - a node that cannot be reached, is marked down or breaks the protocol
//     gives Unavailable naming it; its connection is closed, never reused;
//   - an operation that runs out of time gives DeadlineExceeded naming the
//     node, and its connection is closed;
//   - refused credentials are Unauthenticated; a command the server
//     refuses (an error reply other than redirections) is Internal with the
//     server's text, except where the contract names another code.
absl::StatusOr<std::unique_ptr<Backend>> NewRedisBackend(
    const RedisOptions& options);

// Registers the "redis", "rediss" and "redis+cluster" schemes.
absl::Status RegisterRedisBackend(BackendRegistry& registry);

}  // namespace kivi

#endif  // KIVI_REDIS_REDIS_BACKEND_H_
