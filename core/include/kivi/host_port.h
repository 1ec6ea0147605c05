#ifndef KIVI_HOST_PORT_H_
#define KIVI_HOST_PORT_H_

// The one place a TCP port or a "host:port" is read, so that every backend
// URL, kivi-server's --listen and the CLI's --addr accept the same text and
// none of them wraps an out-of-range port (99999 is not 34463).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi {

// A decimal port in [min_port, 65535]; nothing else (no sign, no spaces).
// InvalidArgument naming `what` and the text otherwise. min_port is 1 for an
// address to connect to, 0 for one to listen on ("any free port").
absl::StatusOr<uint16_t> ParsePort(absl::string_view text,
                                   absl::string_view what,
                                   uint16_t min_port = 1);

// One server address, as written in a URL's authority or a flag.
struct HostPort {
  // A host name or IP literal; an IPv6 literal is kept without brackets.
  std::string host;
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 literal ("[::1]:6379").
  std::string ToString() const;

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// What ParseHostPort accepts beyond the syntax.
struct HostPortRules {
  // The port of an address written without one; 0: a port is required.
  uint16_t default_port = 0;
  // The smallest port accepted, as for ParsePort.
  uint16_t min_port = 1;
};

// Parses "host[:port]", where host is a name (letters, digits, '.', '-',
// '_'; at most 253 bytes), an IPv4 literal or a bracketed IPv6 literal
// ("[::1]:6379"), and the port is read as ParsePort reads it.
// InvalidArgument naming `what`, the text and the rule otherwise.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       absl::string_view what,
                                       HostPortRules rules = {});

}  // namespace kivi

#endif  // KIVI_HOST_PORT_H_
