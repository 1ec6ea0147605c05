#ifndef KIVI_BACKENDS_MEMCACHED_SRC_SERVER_LIST_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_SERVER_LIST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi::memcached {

inline constexpr uint16_t kDefaultPort = 11211;

// One memcached server of a fleet, as configured.
struct ServerAddress {
  // A host name or IP literal; an IPv6 literal is kept without brackets.
  std::string host;
  uint16_t port = kDefaultPort;
  // Relative share of the keyspace on a ketama ring; >= 1.
  uint32_t weight = 1;

  // "host:port", with brackets around an IPv6 literal ("[::1]:11211"); for
  // messages and as the address to connect to.
  std::string ToString() const;

  friend bool operator==(const ServerAddress&, const ServerAddress&) = default;
};

// Parses the authority of a memcached:// URL: a comma-separated list of
// "host[:port][*weight]" entries, where host is a name, an IPv4 literal or a
// bracketed IPv6 literal ("[::1]:11212*3"). The port defaults to 11211 and
// must be 1..65535; the weight defaults to 1 and must be 1..1000000.
// Returns the servers in the order written. InvalidArgument naming the entry
// and the rule for an empty list or entry, a bad host, port or weight, or a
// server listed twice.
absl::StatusOr<std::vector<ServerAddress>> ParseServerList(
    absl::string_view authority);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_SERVER_LIST_H_
