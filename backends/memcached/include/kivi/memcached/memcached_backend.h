#ifndef KIVI_MEMCACHED_MEMCACHED_BACKEND_H_
#define KIVI_MEMCACHED_MEMCACHED_BACKEND_H_

// The memcached backend: meta protocol over a bounded connection pool per
// server, ketama consistent hashing across servers (compatible with
// libmemcached's weighted ketama), pipelined batches, List through the LRU
// crawler, ASCII authentication and TLS.
//
// URL form (every parameter optional; defaults as in MemcachedOptions):
//   memcached://h1:11211,h2:11212*3?timeout=250ms&connect_timeout=1s
//       &list_timeout=30s
//       &max_conns=8&max_idle=4&mux_conns=2&hash=ketama&retry_timeout=2s
//       &failure_limit=3&failover=none|rehash&auth_file=/path
//       &tls=1&tls_ca=ca.pem&tls_cert=c.pem&tls_key=k.pem&tls_verify=1
//       &tls_server_name=cache.example
// "*3" gives a server weight 3 on the ring. The shared parameters
// (namespace, default_ttl, max_value_bytes) are read by core.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kivi/backend.h"
#include "kivi/key_rules.h"
#include "kivi/net/tls_options.h"
#include "kivi/registry.h"

namespace kivi {

// What a down server's keys do.
enum class MemcachedFailover {
  // Keys of a down server fail fast with Unavailable until it is retried.
  // No key ever moves, so a server that comes back never serves a value
  // that was overwritten elsewhere meanwhile. The default.
  kNone,
  // Keys of a down server are re-hashed onto the live servers (libmemcached's
  // auto-eject). Availability over consistency: when the server returns, its
  // keys move back and it may serve values older than those written to the
  // stand-in server while it was down.
  kRehash,
};

struct MemcachedOptions {
  // "host:port" or "host:port*weight" entries; at least one. A missing port
  // is 11211 and a missing weight is 1.
  std::vector<std::string> servers;

  // Upper bound for one operation, including waiting for a pooled
  // connection and connecting. A batch or List gets it per server, all
  // servers in parallel.
  absl::Duration timeout = absl::Seconds(1);
  // Upper bound for List, which walks every item of every server.
  absl::Duration list_timeout = absl::Seconds(30);
  // Upper bound for establishing one connection (TCP, TLS and auth).
  absl::Duration connect_timeout = absl::Seconds(1);
  // Connections per server: never more open at once (List's dedicated
  // connection aside); callers wait, within their deadline, for one.
  int max_conns = 8;
  // Idle connections kept per server; more are closed when released.
  int max_idle = 4;
  // Multiplexed connections per server (net/multiplexer.h), which carry
  // the single-key operations, synchronous and asynchronous: concurrent
  // callers' requests share them, many in flight on each, written
  // together. They are borrowed from the pool as load needs them and given
  // back when idle, so max_conns still bounds every connection (and caps
  // this). 0: single-key operations take pooled connections one request
  // at a time, as batches, List, Stats, Flush and Health always do.
  int mux_conns = 2;
  // A server with `failure_limit` consecutive failures (timeouts, refused
  // connections, broken replies) is down for `retry_timeout`, during which
  // its keys fail fast with Unavailable; then one call tries it again.
  absl::Duration retry_timeout = absl::Seconds(2);
  int failure_limit = 3;
  MemcachedFailover failover = MemcachedFailover::kNone;

  // ASCII authentication (server started with -Y): sent on every new
  // connection when `auth_user` is non-empty.
  std::string auth_user;
  std::string auth_password;

  // TLS (server started with -Z). The certificate must be for the server's
  // host as written (a name, or an IP address in its subject alternative
  // names) unless tls.server_name names the one to expect.
  net::TlsOptions tls;

  // Largest value; Append/Prepend whose result would exceed it fail with
  // InvalidArgument and leave the value unchanged.
  size_t max_value_bytes = kDefaultMaxValueBytes;
};

// Creates a backend over `options.servers`. Connections are opened lazily,
// so an unreachable server is not an error here. InvalidArgument for a
// malformed server list, a non-positive limit or a TLS setup that fails
// (naming the file).
//
// The backend is thread-safe. Its error contract, beyond backend.h:
//   - a server that cannot be reached, is marked down or breaks the protocol
//     (garbage, truncated reply) gives Unavailable naming it; its connection
//     is closed, never reused;
//   - an operation that runs out of time gives DeadlineExceeded naming the
//     server, and its connection is closed;
//   - a value over a server's item size (its item_size_max, read with
//     "stats settings" on every new connection, less 64 bytes of item
//     header and the key) is InvalidArgument naming the key, the server and
//     the limit, before it is sent: memcached would refuse it and delete
//     the key's current value. A value the server refuses anyway is
//     InvalidArgument too;
//   - TTLs are sent as whole seconds rounded up plus one (memcached's clock
//     ticks in seconds), so an entry never expires before its TTL;
//   - an unexpected server error (SERVER_ERROR, CLIENT_ERROR) is Internal
//     with the server's text.
absl::StatusOr<std::unique_ptr<Backend>> NewMemcachedBackend(
    const MemcachedOptions& options);

// Registers the "memcached" scheme. Parameters: timeout, list_timeout,
// connect_timeout, max_conns, max_idle, mux_conns, hash (only "ketama"),
// retry_timeout, failure_limit, failover (none|rehash), auth_file (a file
// holding "user:password"), tls, tls_ca, tls_cert, tls_key, tls_verify,
// tls_server_name (the TLS ones but tls need tls=1: InvalidArgument
// otherwise, never a silent plaintext connection).
absl::Status RegisterMemcachedBackend(BackendRegistry& registry);

}  // namespace kivi

#endif  // KIVI_MEMCACHED_MEMCACHED_BACKEND_H_
