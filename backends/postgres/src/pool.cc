#include "backends/postgres/src/pool.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kivi::postgres_internal {

void Pool::Add(std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mu_);
  ++open_;
  idle_.push_back(std::move(connection));
}

absl::StatusOr<Pool::Lease> Pool::Acquire(absl::Time deadline) {
  while (true) {
    std::unique_ptr<Connection> idle;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto available = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return !idle_.empty() || open_ < max_conns_;
      };
      if (!available() && !released_.wait_until(
                              lock, absl::ToChronoTime(deadline), available)) {
        return absl::DeadlineExceededError(absl::StrCat(
            "postgres: all ", max_conns_,
            " connections (max_conns) stayed busy for the whole timeout"));
      }
      if (idle_.empty()) {
        ++open_;
      } else {
        idle = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (idle == nullptr) break;
    if (idle->StillOpen(absl::Now())) return Lease(this, std::move(idle));
    Release(std::move(idle));  // Closed while idle: discard, take another.
  }
  absl::StatusOr<std::unique_ptr<Connection>> opened = opener_(deadline);
  if (!opened.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
    }
    released_.notify_one();
    return opened.status();
  }
  return Lease(this, *std::move(opened));
}

void Pool::Release(std::unique_ptr<Connection> connection) {
  if (connection->broken()) {
    connection.reset();  // Closes it, outside the lock.
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
      ++discarded_;
    }
    released_.notify_one();
    return;
  }
  connection->MarkIdle(absl::Now());
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(connection));
  }
  released_.notify_one();
}

Pool::State Pool::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {.open = open_,
          .idle = static_cast<int>(idle_.size()),
          .max = max_conns_,
          .discarded = discarded_};
}

}  // namespace kivi::postgres_internal
