#include "src/ring.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "src/md5.h"
#include "src/server_list.h"

namespace kivi::memcached {
namespace {

// libmemcached's MEMCACHED_POINTS_PER_SERVER_KETAMA: the points one server
// gets when all weights are equal; each MD5 digest yields four of them.
constexpr uint32_t kPointsPerServer = 160;
constexpr uint32_t kPointsPerDigest = 4;

// The `index`-th little-endian 32-bit word of `digest`, as libmemcached
// reads both key hashes (index 0) and point values.
uint32_t DigestWord(const Md5Digest& digest, int index) {
  const unsigned char* p = digest.data() + 4 * index;
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// The number of points libmemcached gives a server of `weight` out of
// `total_weight` among `servers`. Computed in float, step by step, exactly
// as libmemcached does, because float rounding can decide the count.
uint32_t PointsFor(uint32_t weight, uint64_t total_weight, size_t servers) {
  const float share =
      static_cast<float>(weight) / static_cast<float>(total_weight);
  float digests = share * static_cast<float>(kPointsPerServer);
  digests = digests / static_cast<float>(kPointsPerDigest);
  digests = digests * static_cast<float>(servers);
  digests = digests + 0.0000000001F;
  return static_cast<uint32_t>(std::floor(digests)) * kPointsPerDigest;
}

}  // namespace

absl::StatusOr<ServerRing> ServerRing::Build(
    absl::Span<const ServerAddress> servers) {
  if (servers.empty()) {
    return absl::InvalidArgumentError("memcached ring needs at least 1 server");
  }
  uint64_t total_weight = 0;
  for (const ServerAddress& server : servers) {
    if (server.weight == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "memcached server ", server.ToString(), ": weight must be >= 1"));
    }
    total_weight += server.weight;
  }
  ServerRing ring;
  ring.server_count_ = servers.size();
  if (servers.size() == 1) return ring;
  for (uint32_t index = 0; index < servers.size(); ++index) {
    const ServerAddress& server = servers[index];
    const uint32_t digests =
        PointsFor(server.weight, total_weight, servers.size()) /
        kPointsPerDigest;
    for (uint32_t n = 0; n < digests; ++n) {
      // libmemcached leaves the default port out of the point name.
      const std::string name =
          server.port == kDefaultPort
              ? absl::StrCat(server.host, "-", n)
              : absl::StrCat(server.host, ":", server.port, "-", n);
      const Md5Digest digest = Md5(name);
      for (int word = 0; word < static_cast<int>(kPointsPerDigest); ++word) {
        ring.points_.push_back(Point{DigestWord(digest, word), index});
      }
    }
  }
  // Equal hashes go to the lower server index, as libmemcached sorts them.
  std::sort(ring.points_.begin(), ring.points_.end(),
            [](const Point& a, const Point& b) {
              return a.hash != b.hash ? a.hash < b.hash : a.server < b.server;
            });
  return ring;
}

size_t ServerRing::Pick(absl::string_view key) const {
  if (server_count_ == 1) return 0;
  const uint32_t hash = DigestWord(Md5(key), 0);
  // The first point at or after the key's hash, wrapping past the top.
  auto it = std::lower_bound(
      points_.begin(), points_.end(), hash,
      [](const Point& point, uint32_t value) { return point.hash < value; });
  if (it == points_.end()) it = points_.begin();
  return it->server;
}

}  // namespace kivi::memcached
