#ifndef KIVI_BACKENDS_MEMCACHED_SRC_RING_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_RING_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "src/server_list.h"

namespace kivi::memcached {

// A ketama consistent-hash ring that places keys exactly as libmemcached's
// weighted ketama does (MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED: MD5 key hash,
// points per server proportional to its weight, point names as
// libmemcached's hosts.cc writes them), so kivi and libmemcached clients
// sharing a fleet agree on every key's server.
//
// Immutable once built: Pick is safe to call concurrently from any thread.
// To take servers out of rotation (opt-in re-hashing), build a new ring from
// the remaining servers, as libmemcached does when it ejects a server.
class ServerRing {
 public:
  // Builds the ring for `servers` (in any order; Pick returns indices into
  // this span). InvalidArgument for an empty list or a zero weight.
  static absl::StatusOr<ServerRing> Build(
      absl::Span<const ServerAddress> servers);

  // The index (into the span given to Build) of the server that owns `key`.
  // With one server, always 0 without hashing.
  size_t Pick(absl::string_view key) const;

  size_t server_count() const { return server_count_; }

 private:
  struct Point {
    uint32_t hash;
    uint32_t server;
  };

  ServerRing() = default;

  size_t server_count_ = 0;
  std::vector<Point> points_;  // Sorted by hash.
};

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_RING_H_
