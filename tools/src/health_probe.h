#ifndef KIVI_TOOLS_SRC_HEALTH_PROBE_H_
#define KIVI_TOOLS_SRC_HEALTH_PROBE_H_

#include <cstdio>

#include "src/health_command_line.h"

namespace kivi::cli {

// Runs a parsed `kivi health` (not help) and returns its exit code (see
// health_command_line.h).
//
// With --addr: connects within connect_timeout (else kHealthConnectionFailure,
// with gRPC's reason), calls grpc.health.v1.Health/Check within rpc_timeout
// (an RPC error, e.g. an unknown service, is kHealthRpcFailure) and prints
// "status: <STATUS>"; anything but SERVING is kHealthNotServing.
//
// With --backend: opens the backend (a malformed URL is kHealthBadArguments,
// any other failure kHealthConnectionFailure), probes every endpoint within
// rpc_timeout and prints one line per endpoint, then the overall status;
// any endpoint down is kHealthNotServing.
//
// Results go to `out`, failures to `err`.
int RunHealthProbe(const HealthInvocation& invocation, std::FILE* out,
                   std::FILE* err);

}  // namespace kivi::cli

#endif  // KIVI_TOOLS_SRC_HEALTH_PROBE_H_
