#ifndef KIVI_NET_POOL_H_
#define KIVI_NET_POOL_H_

// A bounded pool of connections to one server.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kivi/net/connection.h"
#include "kivi/net/socket.h"

namespace kivi::net {

// Never more than `max_conns` connections are open (idle + lent out);
// at most `max_idle` are kept idle. Thread-safe.
//
// Guarded by a std::mutex rather than absl::Mutex: Debian's abseil is built
// without NDEBUG, so every absl::Mutex lock runs deadlock detection through
// one process-wide graph (~300 extra instructions and a shared lock per
// lock), and the pool is locked twice per operation.
class ConnectionPool {
 public:
  ConnectionPool(Endpoint endpoint, ConnectOptions options, int max_conns,
                 int max_idle);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // How an idle connection is checked before it is lent.
  enum class Check {
    // One poll(2): the server has not closed it nor sent anything unasked.
    kAlive,
    // No check, for a caller that detects a dead connection itself
    // (Connection::DiedWhileIdle) and may retry its request.
    kNone,
  };

  // How a new connection is made.
  enum class Connect {
    // Connection::Open: lent once set up.
    kWait,
    // Connection::Start: lent while still being set up; its first exchange
    // completes the setup (for RunExchanges, which sets up many at once).
    kStart,
  };

  // Lends a connection: an idle one that is still usable, else a new one if
  // fewer than max_conns are open, else waits for one to be released. Every
  // wait ends by `deadline`: DeadlineExceeded naming the peer. Connect
  // errors as Connection::Open (kStart: as Connection::Start, and the
  // setup's errors come from the first exchange). `*connected` (if given)
  // tells whether the call made a new connection, so that only connect
  // failures, not a wait for a busy pool, count against the server's
  // health. `*waited` (if given) tells whether it waited for a connection
  // to be released.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(
      absl::Time deadline, bool* connected = nullptr,
      Check check = Check::kAlive, bool* waited = nullptr,
      Connect connect = Connect::kWait);

  // Returns a lent connection. It is kept for reuse only if Idle() and
  // there is idle room; otherwise it is closed.
  void Release(std::unique_ptr<Connection> conn);

  // A connection outside the pool's accounting, for long exchanges that
  // must not starve the pool (List's metadump). The caller owns it.
  absl::StatusOr<std::unique_ptr<Connection>> OpenDedicated(
      absl::Time deadline, Connect connect = Connect::kWait) const;

  const Endpoint& endpoint() const { return endpoint_; }
  const ConnectOptions& options() const { return options_; }

 private:
  const Endpoint endpoint_;
  const ConnectOptions options_;
  const int max_conns_;
  const int max_idle_;

  std::mutex mu_;
  // Signalled when a connection is returned or closed.
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;     // Idle + lent out + connecting.
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;  // Callers blocked in Acquire.
};

// Lends a connection for one scope; returns it to the pool at scope exit
// (closed instead if it became unusable).
class PooledConnection {
 public:
  PooledConnection(ConnectionPool* pool, std::unique_ptr<Connection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection() {
    if (conn_ != nullptr) pool_->Release(std::move(conn_));
  }

  Connection* operator->() const { return conn_.get(); }
  Connection& operator*() const { return *conn_; }
  Connection* get() const { return conn_.get(); }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace kivi::net

#endif  // KIVI_NET_POOL_H_
