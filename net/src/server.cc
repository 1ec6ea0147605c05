#include "kivi/net/server.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kivi::net {

bool IsServerFailure(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

Server::Server(const Endpoint& endpoint, ConnectOptions options, int max_conns,
               int max_idle, int failure_limit, absl::Duration retry_timeout)
    : name_(endpoint.ToString()),
      label_(options.label),
      pool_(endpoint, std::move(options), max_conns, max_idle),
      failure_limit_(failure_limit),
      retry_timeout_(retry_timeout) {}

absl::StatusOr<PooledConnection> Server::Acquire(
    absl::Time deadline, ConnectionPool::Connect connect) {
  bool connected = false;
  absl::StatusOr<std::unique_ptr<Connection>> conn = pool_.Acquire(
      deadline, &connected, ConnectionPool::Check::kAlive, nullptr, connect);
  if (!conn.ok()) {
    if (connected) Record(conn.status());
    return conn.status();
  }
  return PooledConnection(&pool_, *std::move(conn));
}

absl::Status Server::DownError(absl::string_view why) const {
  return absl::UnavailableError(
      absl::StrCat(label_, " ", name_, " is marked down after ", failures_,
                   " consecutive failures (", why,
                   "); last failure: ", last_failure_.message()));
}

absl::Status Server::Admit(absl::Time now) {
  if (clean_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (!down_) return absl::OkStatus();
  if (now < down_until_) {
    return DownError(absl::StrCat(
        "retrying in ", absl::FormatDuration(absl::Ceil(
                            down_until_ - now, absl::Milliseconds(1)))));
  }
  if (now < probe_until_) return DownError("another call is probing it");
  probe_until_ = now + retry_timeout_;
  return absl::OkStatus();
}

bool Server::IsDown(absl::Time now) const {
  if (clean_.load(std::memory_order_acquire)) return false;
  absl::MutexLock lock(&mu_);
  return down_ && (now < down_until_ || now < probe_until_);
}

void Server::Record(const absl::Status& status) {
  const bool failure = IsServerFailure(status);
  // A success on a clean server changes nothing. A racing failure may have
  // just made it unclean; this success then counts as recorded before it.
  if (!failure && clean_.load(std::memory_order_acquire)) return;
  absl::MutexLock lock(&mu_);
  if (!failure) {
    failures_ = 0;
    down_ = false;
    probe_until_ = absl::InfinitePast();
    clean_.store(true, std::memory_order_release);
    return;
  }
  clean_.store(false, std::memory_order_release);
  ++failures_;
  last_failure_ = status;
  if (down_ || failures_ >= failure_limit_) {
    // Down now, or still: a failed probe (or a call admitted before the
    // server went down) restarts the wait.
    down_ = true;
    down_until_ = absl::Now() + retry_timeout_;
    probe_until_ = absl::InfinitePast();
  }
}

}  // namespace kivi::net
