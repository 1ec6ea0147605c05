#ifndef KIVI_BACKENDS_MEMCACHED_SRC_BACKEND_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_BACKEND_H_

// MemcachedBackend: maps kivi's Backend operations onto meta commands,
// servers (ring, health, failover) and connections. The operations are
// spread over files by concern: memcached_backend.cc (routing, single-key
// operations), counter.cc (Increment), append.cc, batch.cc, admin.cc (List,
// Stats, Flush, Health), get_or_set.cc (stampede protection).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "kivi/backend.h"
#include "kivi/memcached/memcached_backend.h"
#include "kivi/net/connection.h"
#include "kivi/net/pool.h"
#include "kivi/net/server.h"
#include "kivi/net/tls.h"
#include "src/key_ops.h"
#include "src/memcached_server.h"
#include "src/protocol.h"
#include "src/ring.h"
#include "src/server_list.h"

namespace kivi::memcached {

using net::Connection;
using net::ConnectionPool;
using net::PooledConnection;
using net::ReplyReader;
using Server = MemcachedServer;

class MemcachedBackend : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<MemcachedBackend>> Create(
      const MemcachedOptions& options);

  Capabilities capabilities() const override;
  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override;
  absl::Status Delete(absl::string_view key) override;
  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override;
  absl::StatusOr<BatchGetResult> BatchGet(
      absl::Span<const std::string> keys) override;
  absl::StatusOr<BatchWriteResult> BatchSet(absl::Span<const KeyValue> entries,
                                            absl::Duration ttl) override;
  absl::StatusOr<BatchWriteResult> BatchDelete(
      absl::Span<const std::string> keys) override;
  HealthReport Health(absl::Duration timeout) override;
  absl::StatusOr<std::string> GetOrSet(absl::string_view key,
                                       absl::Duration ttl,
                                       Loader loader) override;
  absl::Status Add(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override;
  absl::Status Replace(absl::string_view key, absl::string_view value,
                       absl::Duration ttl) override;
  absl::StatusOr<uint64_t> Increment(absl::string_view key, int64_t delta,
                                     uint64_t initial, bool create,
                                     absl::Duration ttl) override;
  absl::StatusOr<VersionedValue> GetVersioned(absl::string_view key) override;
  absl::Status CompareAndSet(absl::string_view key, absl::string_view value,
                             uint64_t version, absl::Duration ttl) override;
  absl::Status Touch(absl::string_view key, absl::Duration ttl) override;
  absl::StatusOr<std::string> GetAndTouch(absl::string_view key,
                                          absl::Duration ttl) override;
  absl::Status Append(absl::string_view key, absl::string_view value) override;
  absl::Status Prepend(absl::string_view key, absl::string_view value) override;
  absl::Status Flush(absl::Duration delay) override;
  absl::StatusOr<std::vector<EndpointStats>> Stats() override;
  std::vector<EndpointState> EndpointStates() const override;
  // Native on the multiplexed connections for the single-key operations
  // (submit.cc says which); the executor default for the rest.
  void Submit(AsyncRequest request, AsyncDone done,
              Executor& executor) override;

 private:
  // The ring over the servers that are up, for failover=rehash.
  struct LiveRing {
    std::vector<bool> down;           // Per server, when this ring was built.
    std::vector<size_t> servers;      // Ring index -> index into servers_.
    absl::optional<ServerRing> ring;  // Absent when every server is down.
  };

  // The keys of one batch that go to one server.
  struct BatchGroup {
    Server* server = nullptr;
    std::vector<size_t> items;  // Indices into the batch.
    absl::optional<PooledConnection> conn;
    std::unique_ptr<ReplyReader> reader;
    absl::Status status;  // Of the group's exchange.
  };

  // Groups items 0..n-1 by the server of `key_of(i)`; an item whose server
  // is down is reported to `fail` instead.
  std::vector<BatchGroup> GroupByServer(
      size_t n, absl::FunctionRef<absl::string_view(size_t)> key_of,
      absl::FunctionRef<void(size_t, const absl::Status&)> fail);
  // Lends each group a connection, lets `encode` write its request and set
  // its reader, then runs every group in one poll loop by `deadline`. A
  // group whose connection could not be had has a non-OK status and no
  // exchange. Requests must be idempotent: a group whose idle connection
  // the server had closed is encoded and run once more.
  void RunGroups(std::vector<BatchGroup>& groups, absl::Time deadline,
                 absl::FunctionRef<void(BatchGroup&, std::string*)> encode);

  MemcachedBackend(const MemcachedOptions& options,
                   std::vector<ServerAddress> addresses, ServerRing ring,
                   std::shared_ptr<const net::TlsContext> tls);

  // The server that owns `key` now: its ring server when admitted; with
  // failover=rehash, a live server instead; else Unavailable naming it.
  absl::StatusOr<Server*> ServerFor(absl::string_view key, absl::Time now);
  std::shared_ptr<const LiveRing> CurrentLiveRing(absl::Time now);

  // Whether a request leaves the same state when the server executes it
  // twice. Only such a request is sent again after the server closed an
  // idle pooled connection under it (see Call).
  enum class Idempotent { kNo, kYes };

  // One request and its one meta reply on `key`'s server, by `deadline`.
  // `encode` appends the request, with the O flag `opaque` when that is not
  // empty (MetaCommand::Opaque); `handle` interprets any reply that is not
  // an error (error replies are mapped by ErrorReplyStatus). The reply's
  // views are valid only inside `handle`.
  absl::Status Call(
      absl::string_view key, absl::Time deadline,
      absl::FunctionRef<void(std::string*, absl::string_view opaque)> encode,
      absl::FunctionRef<absl::Status(const MetaReply&)> handle);
  // The same, with `now` the caller's current time (one clock read per
  // request); `encode` must give the request the O flag `opaque` when that
  // is not empty (Token('O', opaque)), and the reply must echo it. A request
  // that stores `stored_bytes` of value (kNoValue: none) is refused with
  // InvalidArgument, before it is sent, when that is over the server's item
  // size (see ItemLimit; learnt on each new connection, before its first
  // request).
  absl::Status Call(
      absl::string_view key, absl::Time now, absl::Time deadline,
      Idempotent idempotent,
      absl::FunctionRef<void(std::string*, absl::string_view opaque)> encode,
      absl::FunctionRef<absl::Status(const MetaReply&)> handle,
      size_t stored_bytes = kNoValue);
  static constexpr size_t kNoValue = SIZE_MAX;
  // The same for a request of `replies` (1 or 2) commands, each given the O
  // flag `opaque` when that is not empty; `handle` gets every reply, none
  // of them an error line.
  absl::Status CallReplies(
      absl::string_view key, absl::Time now, absl::Time deadline,
      Idempotent idempotent,
      absl::FunctionRef<void(std::string*, absl::string_view opaque)> encode,
      size_t replies,
      absl::FunctionRef<absl::Status(absl::Span<const MetaReply>)> handle,
      size_t stored_bytes = kNoValue);

  // One single-key operation (key_ops.h) on its server's connections, by
  // now + timeout; `*result` (may be null when the operation returns
  // nothing) receives what it reads.
  absl::Status RunKeyOp(const KeyOpArgs& args, KeyOpResult* result);

  // ms with mode `mode` ('S' set, 'E' add, 'R' replace, 'A' append,
  // 'P' prepend) and `cas` when non-zero, `now` being the caller's current
  // time; returns the reply code for the caller to map (HD, NS, EX, NF).
  absl::StatusOr<ReplyCode> Store(absl::string_view key,
                                  absl::string_view value, absl::Duration ttl,
                                  char mode, uint64_t cas, absl::Time now,
                                  absl::Time deadline);
  // Increment on `server`'s multiplexed connections, without blocking
  // (counter.cc); `now` is when the request was submitted.
  void SubmitIncrement(Server* server, AsyncRequest request, AsyncDone done,
                       absl::Time now);

  // Append/Prepend within max_value_bytes (a CAS loop: size check, then a
  // conditional append).
  absl::Status Concatenate(absl::string_view key, absl::string_view value,
                           char mode);

  const MemcachedOptions options_;
  const std::vector<ServerAddress> addresses_;
  const ServerRing ring_;
  std::vector<std::unique_ptr<Server>> servers_;

  absl::Mutex live_mu_;
  std::shared_ptr<const LiveRing> live_ ABSL_GUARDED_BY(live_mu_);
};

// NotFound naming `key`.
absl::Status KeyNotFound(absl::string_view key);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_BACKEND_H_
