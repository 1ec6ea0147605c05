#ifndef KIVI_HOST_PORT_H_
#define KIVI_HOST_PORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi {

// One server address as written in a backend URL's authority.
struct HostPort {
  // A host name or IP literal; an IPv6 literal is kept without brackets.
  std::string host;
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 literal ("[::1]:6379").
  std::string ToString() const;

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Parses "host[:port]", where host is a name (letters, digits, '.', '-',
// '_'; at most 253 bytes), an IPv4 literal or a bracketed IPv6 literal
// ("[::1]:6379"). A missing port is `default_port`; a given one must be
// 1..65535. InvalidArgument naming the entry and the rule otherwise.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view entry,
                                       uint16_t default_port);

}  // namespace kivi

#endif  // KIVI_HOST_PORT_H_
