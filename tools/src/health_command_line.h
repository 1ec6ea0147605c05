#ifndef KIVI_TOOLS_SRC_HEALTH_COMMAND_LINE_H_
#define KIVI_TOOLS_SRC_HEALTH_COMMAND_LINE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kivi/grpc/channel.h"

namespace kivi::cli {

// `kivi health` exits as grpc_health_probe does, so that it can replace it
// in an exec probe unchanged.
inline constexpr int kHealthServing = 0;
inline constexpr int kHealthBadArguments = 1;
inline constexpr int kHealthConnectionFailure = 2;
inline constexpr int kHealthRpcFailure = 3;
inline constexpr int kHealthNotServing = 4;

// One parsed `kivi health` command line. Exactly one of `addr` and
// `backend` is set (unless `help`).
struct HealthInvocation {
  // A server speaking grpc.health.v1, "host:port".
  std::string addr;
  // The grpc.health.v1 service name to ask about; "" is the whole server.
  std::string service;
  // A backend URL to probe directly, endpoint by endpoint.
  std::string backend;
  // How to reach `addr`.
  ClientTlsOptions tls;
  // How long to wait for the connection to `addr`.
  absl::Duration connect_timeout = absl::Seconds(1);
  // Deadline of the Check call, or of each endpoint's probe with --backend.
  absl::Duration rpc_timeout = absl::Seconds(1);
  bool help = false;
};

// Parses the arguments after "health". Flags take "--name=value" or
// "--name value"; --tls takes no value. InvalidArgument with a one-line
// reason for an unknown flag or argument, neither or both of --addr and
// --backend, --service or a TLS flag with --backend, a TLS file flag
// without --tls, only one of --tls_cert/--tls_key, or a malformed or
// non-positive timeout.
absl::StatusOr<HealthInvocation> ParseHealthCommandLine(
    absl::Span<const char* const> args);

// The usage text of `kivi health`, ending in a newline.
const char* HealthUsageText();

}  // namespace kivi::cli

#endif  // KIVI_TOOLS_SRC_HEALTH_COMMAND_LINE_H_
