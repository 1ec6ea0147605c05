#ifndef KIVI_HOST_PORT_H_
#define KIVI_HOST_PORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi {

// The one place a TCP port or a "host:port" is read, so that every backend
// URL, kivi-server's --listen and the CLI's --addr accept the same text and
// none of them wraps an out-of-range port (99999 is not 34463).

// A decimal port in [min_port, 65535]; nothing else (no sign, no spaces).
// InvalidArgument naming `what` and the text otherwise. min_port is 1 for an
// address to connect to, 0 for one to listen on ("any free port").
absl::StatusOr<uint16_t> ParsePort(absl::string_view text,
                                   absl::string_view what,
                                   uint16_t min_port = 1);

// "host:port" or "[ipv6]:port" split into its parts, the brackets dropped.
struct HostPort {
  std::string host;
  uint16_t port = 0;

  // Back to "host:port", bracketing a host that holds ':'.
  std::string ToString() const;
};

// Parses `text` as "host:port" or "[ipv6]:port" with a port as ParsePort
// reads it. InvalidArgument naming `what` and the text when the host is
// empty, the port is missing, malformed or out of range, or an IPv6 host
// is not bracketed.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       absl::string_view what,
                                       uint16_t min_port = 1);

}  // namespace kivi

#endif  // KIVI_HOST_PORT_H_
