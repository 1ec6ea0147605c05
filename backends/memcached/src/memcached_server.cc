#include "src/memcached_server.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "kivi/net/connection.h"
#include "kivi/net/pool.h"

namespace kivi::memcached {

MemcachedServer::MemcachedServer(const net::Endpoint& endpoint,
                                 net::ConnectOptions options, int max_conns,
                                 int max_idle, int failure_limit,
                                 absl::Duration retry_timeout, int mux_conns)
    : net::Server(endpoint, options, max_conns, max_idle, failure_limit,
                  retry_timeout) {
  if (mux_conns <= 0) return;
  net::MultiplexerOptions mux;
  // The lanes borrow their connections from the pool, so max_conns bounds
  // every connection to the server; more lanes than that would only wait.
  mux.connections = std::min(mux_conns, max_conns);
  mux.pool = &pool();
  mux.on_connect = [this](net::Connection& conn, absl::Time deadline) {
    return item_limit_.Learn(conn, deadline);
  };
  mux_ = std::make_unique<net::Multiplexer>(endpoint, std::move(options),
                                            std::move(mux));
}

absl::Status MemcachedServer::CheckItemFits(absl::string_view key,
                                            size_t value_bytes,
                                            absl::Time deadline) {
  if (ItemLimit::FitsEveryServer(key, value_bytes)) return absl::OkStatus();
  if (item_limit_.current() &&
      item_limit_.Check(name(), key, value_bytes).ok()) {
    return absl::OkStatus();
  }
  if (absl::Status s = RefreshItemLimit(deadline); !s.ok()) return s;
  return item_limit_.Check(name(), key, value_bytes);
}

absl::Status MemcachedServer::RefreshItemLimit(absl::Time deadline) {
  bool connected = false;
  absl::StatusOr<std::unique_ptr<net::Connection>> conn =
      pool().Acquire(deadline, &connected, net::ConnectionPool::Check::kAlive);
  if (!conn.ok()) {
    if (connected) Record(conn.status());
    return conn.status();
  }
  net::PooledConnection lent(&pool(), *std::move(conn));
  if (!connected && item_limit_.current()) return absl::OkStatus();
  absl::Status learnt = item_limit_.Learn(*lent, deadline);
  if (!learnt.ok()) Record(learnt);
  return learnt;
}

}  // namespace kivi::memcached
