#ifndef KIVI_INTEGRATION_HARNESS_PORTS_H_
#define KIVI_INTEGRATION_HARNESS_PORTS_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kivi::testing {

// A TCP port on 127.0.0.1 that was free when asked (the kernel's pick).
// Another process may take it before it is used; callers that start a
// server on it retry with a new port when the bind fails.
absl::StatusOr<int> FreePort();

// True if 127.0.0.1:`port` can be bound right now.
bool PortIsFree(int port);

// True if something accepts TCP connections on 127.0.0.1:`port`.
bool PortAcceptsConnections(int port);

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_HARNESS_PORTS_H_
