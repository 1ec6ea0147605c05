#ifndef KIVI_BACKENDS_MEMCACHED_SRC_SERVER_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_SERVER_H_

// One server of the fleet: its connection pool and whether it is down.

#include <atomic>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/item_limit.h"
#include "src/pool.h"
#include "src/server_list.h"

namespace kivi::memcached {

// A server is down after `failure_limit` consecutive failures (I/O errors,
// timeouts, broken replies), for `retry_timeout`; after that, calls go
// through again, and the next failure marks it down again at once while a
// success clears the count. Thread-safe.
class Server {
 public:
  Server(const ServerAddress& address, ConnectOptions options, int max_conns,
         int max_idle, int failure_limit, absl::Duration retry_timeout);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // "host:port".
  const std::string& name() const { return name_; }
  ConnectionPool& pool() { return pool_; }
  // The server's item size, learnt on each new pooled connection.
  ItemLimit& item_limit() { return item_limit_; }

  // OK if a value of `value_bytes` under `key` fits the server's item size.
  // When the size is not current, or the value does not fit the size last
  // learnt (which may be stale: the server restarted with a larger -I), it
  // is read again first (see RefreshItemLimit). Then InvalidArgument
  // (ItemLimit::Check), or the failure to reach the server.
  absl::Status CheckItemFits(absl::string_view key, size_t value_bytes,
                             absl::Time deadline);
  // Lends a connection the pool checks is alive and learns the item size on
  // it if it is new or the size is not current: a restarted server closed
  // every connection made before, so an alive one with a current size means
  // the size is still the server's.
  absl::Status RefreshItemLimit(absl::Time deadline);

  // OK when calls may go to the server; Unavailable naming it and the last
  // failure while it is down.
  absl::Status Admit(absl::Time now) const;
  bool IsDown(absl::Time now) const;

  // Lends a pooled connection (see ConnectionPool::Acquire); a failure to
  // connect is recorded against the server.
  absl::StatusOr<PooledConnection> Acquire(absl::Time deadline);

  // Records a call's outcome. Only failures that say the server is
  // unhealthy count (Unavailable, DeadlineExceeded); anything else (a miss,
  // a server-side refusal) is proof of life and resets the count.
  void Record(const absl::Status& status);

 private:
  const std::string name_;
  ConnectionPool pool_;
  ItemLimit item_limit_;
  const int failure_limit_;
  const absl::Duration retry_timeout_;

  // True while failures_ == 0 and the server is not marked down: the state
  // of nearly every call, read without taking mu_ (an absl::Mutex round
  // trip is a large share of a Get's instructions). Written under mu_.
  std::atomic<bool> clean_{true};
  mutable absl::Mutex mu_;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time down_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Status last_failure_ ABSL_GUARDED_BY(mu_);
};

// True for the failures that count against a server's health.
bool IsServerFailure(const absl::Status& status);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_SERVER_H_
