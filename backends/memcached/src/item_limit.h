#ifndef KIVI_BACKENDS_MEMCACHED_SRC_ITEM_LIMIT_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_ITEM_LIMIT_H_

// Each server's item size, learnt from the server and enforced before a
// value is sent. memcached refuses an item over its item_size_max (-I)
// with "SERVER_ERROR object too large for cache" and then deletes the
// key's existing item, for every store mode (set, add, replace, append,
// CAS): a refused write would destroy the value it failed to replace.

#include <atomic>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kivi/net/connection.h"

namespace kivi::memcached {

// What an item costs beyond its key and value bytes: memcached 1.6's item
// header (48 bytes on 64-bit), the CAS (8), the key's NUL (1), the value's
// "\r\n" (2) and client flags (4, when non-zero). Measured on 1.6.18 with
// -I 512k: a flag-less item stores at most item_size_max - 59 - key bytes
// of value. Rounded up so a server built differently is not overrun.
inline constexpr size_t kItemOverheadBytes = 64;

// The smallest item_size_max memcached accepts (-I below 1 KiB is refused
// at start), so a value that fits it fits every server, known or not.
inline constexpr size_t kMinItemSizeMax = 1024;

// The item size of one server. Thread-safe; reads are one relaxed atomic
// load, so checking a value costs nothing measurable.
class ItemLimit {
 public:
  // The server's item_size_max; 0 while not known (nothing learnt yet, or
  // the server does not report it).
  size_t item_size_max() const {
    return item_size_max_.load(std::memory_order_relaxed);
  }

  // Whether the size was learnt on the server's latest connection: false
  // before the first, and after a connection was opened without learning
  // (MarkStale), which may be to a restarted server.
  bool current() const { return current_.load(std::memory_order_acquire); }
  void MarkStale() { current_.store(false, std::memory_order_release); }

  // True when `value_bytes` under `key` fits any memcached server, whatever
  // its item size: such a write needs no learnt limit, so a batch of small
  // values never waits for a server's settings.
  static bool FitsEveryServer(absl::string_view key, size_t value_bytes) {
    return value_bytes + kItemOverheadBytes + key.size() <= kMinItemSizeMax;
  }

  // The largest value the server stores under `key`, or SIZE_MAX while not
  // known.
  size_t MaxValueBytes(absl::string_view key) const;

  // OK if `value_bytes` under `key` fits; else InvalidArgument naming the
  // key, the size, the server `server` and its limit.
  absl::Status Check(absl::string_view server, absl::string_view key,
                     size_t value_bytes) const;

  // Asks the server on `conn`, a connection just opened and still idle,
  // for its settings and records item_size_max. Called on the new
  // connections of single-key calls and by a write finding the size not
  // current, so a server restarted with another -I is seen on
  // reconnecting; never on the path of a request over an open connection.
  // A server that does not answer "stats settings" (some proxies) leaves
  // the limit unknown. Fails like any exchange (the connection is then
  // broken).
  absl::Status Learn(net::Connection& conn, absl::Time deadline);

 private:
  std::atomic<size_t> item_size_max_{0};
  std::atomic<bool> current_{false};
};

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_ITEM_LIMIT_H_
