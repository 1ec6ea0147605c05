#ifndef KIVI_SERVER_SRC_EXPOSURE_H_
#define KIVI_SERVER_SRC_EXPOSURE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kivi/server/server.h"

namespace kivi {

// True if the listen address `listen` ("host:port", "[v6]:port",
// "unix:path") is reachable from this machine only: an IPv4 address in
// 127.0.0.0/8, ::1, "localhost", or a Unix socket. Anything else, including
// an empty host or 0.0.0.0, counts as exposed.
bool IsLocalOnly(absl::string_view listen);

// OK if `listen` is "unix:path", "unix-abstract:name", or "host:port" /
// "[v6]:port" with a port in 0..65535 (0: any free port). InvalidArgument
// naming the address otherwise: a port gRPC would wrap (99999 listens on
// 34463) or a missing one is refused, not guessed.
absl::Status CheckListenAddress(absl::string_view listen);

// kivi-server's rule for exposing a store: beyond loopback it must speak
// TLS and tell clients apart (a bearer token or client certificates), unless
// options.allow_insecure. InvalidArgument naming the address and what is
// missing otherwise.
absl::Status CheckExposure(const ServerOptions& options);

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_EXPOSURE_H_
