#include "src/server.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kivi::memcached {

bool IsServerFailure(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

Server::Server(const ServerAddress& address, ConnectOptions options,
               int max_conns, int max_idle, int failure_limit,
               absl::Duration retry_timeout)
    : name_(address.ToString()),
      pool_(address, std::move(options), max_conns, max_idle),
      failure_limit_(failure_limit),
      retry_timeout_(retry_timeout) {}

absl::StatusOr<PooledConnection> Server::Acquire(absl::Time deadline) {
  bool connected = false;
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      pool_.Acquire(deadline, &connected);
  if (!conn.ok()) {
    if (connected) Record(conn.status());
    return conn.status();
  }
  return PooledConnection(&pool_, *std::move(conn));
}

absl::Status Server::CheckItemFits(absl::string_view key, size_t value_bytes,
                                   absl::Time deadline) {
  if (item_limit_.current() &&
      item_limit_.Check(name_, key, value_bytes).ok()) {
    return absl::OkStatus();
  }
  if (absl::Status s = RefreshItemLimit(deadline); !s.ok()) return s;
  return item_limit_.Check(name_, key, value_bytes);
}

absl::Status Server::RefreshItemLimit(absl::Time deadline) {
  bool connected = false;
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      pool_.Acquire(deadline, &connected, ConnectionPool::Check::kAlive);
  if (!conn.ok()) {
    if (connected) Record(conn.status());
    return conn.status();
  }
  PooledConnection lent(&pool_, *std::move(conn));
  if (!connected && item_limit_.current()) return absl::OkStatus();
  absl::Status learnt = item_limit_.Learn(*lent, deadline);
  if (!learnt.ok()) Record(learnt);
  return learnt;
}

absl::Status Server::Admit(absl::Time now) const {
  if (clean_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (now >= down_until_) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("memcached ", name_, " is marked down after ", failures_,
                   " consecutive failures (retrying in ",
                   absl::FormatDuration(
                       absl::Ceil(down_until_ - now, absl::Milliseconds(1))),
                   "); last failure: ", last_failure_.message()));
}

bool Server::IsDown(absl::Time now) const {
  if (clean_.load(std::memory_order_acquire)) return false;
  absl::MutexLock lock(&mu_);
  return now < down_until_;
}

void Server::Record(const absl::Status& status) {
  const bool failure = IsServerFailure(status);
  // A success on a clean server changes nothing. A racing failure may have
  // just made it unclean; this success then counts as recorded before it.
  if (!failure && clean_.load(std::memory_order_acquire)) return;
  absl::MutexLock lock(&mu_);
  if (!failure) {
    failures_ = 0;
    // A call admitted before the server was marked down may succeed while
    // the mark holds; the mark stays until it expires, as before.
    clean_.store(absl::Now() >= down_until_, std::memory_order_release);
    return;
  }
  clean_.store(false, std::memory_order_release);
  ++failures_;
  last_failure_ = status;
  if (failures_ >= failure_limit_) {
    down_until_ = absl::Now() + retry_timeout_;
  }
}

}  // namespace kivi::memcached
