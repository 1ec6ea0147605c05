#ifndef KIVI_BACKENDS_POSTGRES_SRC_POOL_H_
#define KIVI_BACKENDS_POSTGRES_SRC_POOL_H_

// A bounded pool of connections: at most max_conns open at once; callers
// wait for one within their deadline. A connection returned broken is
// closed and counted, never handed out again.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "backends/postgres/src/connection.h"

namespace kivi::postgres_internal {

// Guarded by a std::mutex, not absl::Mutex: Debian's abseil runs deadlock
// detection on every absl::Mutex lock (hundreds of instructions and a
// process-wide lock), and the pool is locked twice per operation.
class Pool {
 public:
  // Opens a new connection; the argument is the caller's deadline.
  using Opener =
      std::function<absl::StatusOr<std::unique_ptr<Connection>>(absl::Time)>;

  // A connection on loan; returned to the pool (or closed, when broken) on
  // destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_ != nullptr) pool_->Release(std::move(connection_));
    }
    Connection* operator->() const { return connection_.get(); }
    Connection& operator*() const { return *connection_; }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  struct State {
    int open = 0;
    int idle = 0;
    int max = 0;
    int64_t discarded = 0;  // Broken connections closed so far.
  };

  Pool(Opener opener, int max_conns)
      : opener_(std::move(opener)), max_conns_(max_conns) {}

  // Adds an open connection (the one the backend was created with).
  void Add(std::unique_ptr<Connection> connection);

  // An idle connection, or a new one while fewer than max_conns are open,
  // waiting for either until `deadline` (DeadlineExceeded). The opener's
  // error when connecting fails.
  absl::StatusOr<Lease> Acquire(absl::Time deadline);

  State state() const;

 private:
  void Release(std::unique_ptr<Connection> connection);

  const Opener opener_;
  const int max_conns_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t discarded_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kivi::postgres_internal

#endif  // KIVI_BACKENDS_POSTGRES_SRC_POOL_H_
