#ifndef KIVI_INTEGRATION_HARNESS_PORTS_H_
#define KIVI_INTEGRATION_HARNESS_PORTS_H_

#include <sys/types.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kivi::testing {

// A TCP port on 127.0.0.1 that was free when asked (the kernel's pick).
// Another process may take it before it is used; callers that start a
// server on it retry with a new port when the bind fails.
absl::StatusOr<int> FreePort();

// True if 127.0.0.1:`port` can be bound right now.
bool PortIsFree(int port);

// A blocking TCP socket connected to 127.0.0.1:`port`, owned by the
// caller; -1 if the connect fails.
int ConnectLoopback(int port);

// True if something accepts TCP connections on 127.0.0.1:`port`.
bool PortAcceptsConnections(int port);

// True if a server on 127.0.0.1:`port` has taken a connection and answered
// (or closed it after) a memcached `version` request. Stronger than
// PortAcceptsConnections: the kernel completes a connect from its backlog
// before the server has accepted it, so a server counting connections could
// otherwise count the probe only after the caller has read its counters.
// TLS or authenticating servers close or refuse the request; that still
// proves the server itself took the connection.
bool ServerAnswersOnPort(int port);

// True if process `pid` holds the socket listening on 127.0.0.1:`port`
// (read from /proc). Tells a server that bound its port from one that
// failed to and another process's server answering there.
bool ProcessListensOn(pid_t pid, int port);

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_HARNESS_PORTS_H_
