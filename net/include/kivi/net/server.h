#ifndef KIVI_NET_SERVER_H_
#define KIVI_NET_SERVER_H_

// One server of a fleet: its connection pool and whether it is down, so
// that every networked backend fails a dead server's keys fast alike.

#include <atomic>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kivi/net/connection.h"
#include "kivi/net/pool.h"
#include "kivi/net/socket.h"

namespace kivi::net {

// A server is down after `failure_limit` consecutive failures (I/O errors,
// timeouts, broken replies): calls fail fast for `retry_timeout`. After
// that, exactly one call (the probe) is let through; the others keep
// failing fast until it reports. A probe that fails keeps the server down
// for another `retry_timeout`; any success (the probe's, a health check's,
// a call admitted before the server went down) brings it back at once.
// A probe that never reports (its caller gave up before any I/O) lets
// another call probe after `retry_timeout`. Thread-safe.
class Server {
 public:
  Server(const Endpoint& endpoint, ConnectOptions options, int max_conns,
         int max_idle, int failure_limit, absl::Duration retry_timeout);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // "host:port".
  const std::string& name() const { return name_; }
  ConnectionPool& pool() { return pool_; }

  // OK when a call may go to the server: it is up, or it is down, its
  // retry time has come and no other call is probing it (this call is then
  // the probe, and must Record its outcome). Otherwise Unavailable naming
  // the server, its count of consecutive failures and the last one.
  absl::Status Admit(absl::Time now);
  // True while the server is down and a call would not be admitted as its
  // probe at `now`. Does not claim the probe.
  bool IsDown(absl::Time now) const;

  // Lends a pooled connection (see ConnectionPool::Acquire); a failure to
  // connect is recorded against the server (with kStart, only one that is
  // immediate: the caller records its exchange's outcome, setup included).
  absl::StatusOr<PooledConnection> Acquire(
      absl::Time deadline,
      ConnectionPool::Connect connect = ConnectionPool::Connect::kWait);

  // Records a call's outcome. Only failures that say the server is
  // unhealthy count (Unavailable, DeadlineExceeded); anything else (a miss,
  // a server-side refusal) is proof of life: it resets the count and ends
  // a down period.
  void Record(const absl::Status& status);

 private:
  const std::string name_;
  const std::string label_;
  ConnectionPool pool_;
  const int failure_limit_;
  const absl::Duration retry_timeout_;

  // Unavailable naming the server while it is down; `why` says when calls
  // go through again.
  absl::Status DownError(absl::string_view why) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // True while failures_ == 0 and the server is not down: the state of
  // nearly every call, read without taking mu_ (an absl::Mutex round trip
  // is a large share of a Get's instructions). Written under mu_.
  std::atomic<bool> clean_{true};
  mutable absl::Mutex mu_;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  // While down: no call is admitted before down_until_; from then on one
  // probe is, and no other before probe_until_.
  absl::Time down_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time probe_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Status last_failure_ ABSL_GUARDED_BY(mu_);
};

// True for the failures that count against a server's health.
bool IsServerFailure(const absl::Status& status);

}  // namespace kivi::net

#endif  // KIVI_NET_SERVER_H_
