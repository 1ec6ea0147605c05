#ifndef KIVI_BACKENDS_MEMCACHED_SRC_MEMCACHED_SERVER_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_MEMCACHED_SERVER_H_

// One memcached server: net's server (pool, down after failures) plus the
// item size memcached enforces, which a write must be checked against
// before it is sent (see item_limit.h), and the multiplexed connections
// that carry the single-key operations.

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kivi/net/multiplexer.h"
#include "kivi/net/server.h"
#include "src/item_limit.h"

namespace kivi::memcached {

class MemcachedServer : public net::Server {
 public:
  // As net::Server, with `mux_conns` multiplexed connections (0: none).
  // Each new multiplexed connection learns the item size before its first
  // request.
  MemcachedServer(const net::Endpoint& endpoint, net::ConnectOptions options,
                  int max_conns, int max_idle, int failure_limit,
                  absl::Duration retry_timeout, int mux_conns);

  // The server's item size, learnt on each new connection.
  ItemLimit& item_limit() { return item_limit_; }

  // Null when multiplexing is off.
  net::Multiplexer* mux() { return mux_.get(); }

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

 private:
  ItemLimit item_limit_;
  // Declared last: destroyed first, while the item limit it uses lives.
  std::unique_ptr<net::Multiplexer> mux_;
};

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_MEMCACHED_SERVER_H_
