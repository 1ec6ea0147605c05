#include "kivi/net/pool.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace kivi::net {

ConnectionPool::ConnectionPool(Endpoint endpoint, ConnectOptions options,
                               int max_conns, int max_idle)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      max_conns_(max_conns),
      max_idle_(max_idle) {}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Acquire(
    absl::Time deadline, bool* connected, Check check, bool* waited,
    Connect connect) {
  if (connected != nullptr) *connected = false;
  if (waited != nullptr) *waited = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (idle_.empty() && open_ >= max_conns_) {
        if (waited != nullptr) *waited = true;
        ++waiting_;
        const bool freed = freed_.wait_until(
            lock, absl::ToChronoTime(deadline),
            [this] { return !idle_.empty() || open_ < max_conns_; });
        --waiting_;
        if (!freed) {
          return absl::DeadlineExceededError(absl::StrCat(
              options_.label, " ", endpoint_.ToString(),
              ": timed out waiting for a free connection (max_conns=",
              max_conns_, ")"));
        }
      }
      if (idle_.empty()) break;
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      // An idle connection the server closed (restart, idle timeout) is
      // dropped here rather than failing the caller's request.
      if (check == Check::kNone || conn->Reusable()) return conn;
      conn.reset();
      --open_;
    }
    ++open_;
  }
  if (connected != nullptr) *connected = true;
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      OpenDedicated(deadline, connect);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    if (waiting_ > 0) freed_.notify_one();
  }
  return conn;
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  // Liveness is checked when the connection is lent again, not here.
  bool keep = conn->Idle();
  if (keep) {
    conn->TrimBuffers();
    conn->set_pooled();
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(idle_.size()) < max_idle_) {
      idle_.push_back(std::move(conn));
      if (waiting_ > 0) freed_.notify_one();
      return;
    }
  }
  // Closed before its slot is freed, so max_conns is never exceeded.
  conn.reset();
  std::lock_guard<std::mutex> lock(mu_);
  --open_;
  if (waiting_ > 0) freed_.notify_one();
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::OpenDedicated(
    absl::Time deadline, Connect connect) const {
  return connect == Connect::kStart
             ? Connection::Start(endpoint_, options_, deadline)
             : Connection::Open(endpoint_, options_, deadline);
}

}  // namespace kivi::net
