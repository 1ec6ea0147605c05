#ifndef KIVI_GRPC_GRPC_BACKEND_H_
#define KIVI_GRPC_GRPC_BACKEND_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kivi/backend.h"
#include "kivi/grpc/channel.h"
#include "kivi/registry.h"

namespace kivi {

// A client of a remote kivi-server (kivi.v1.KeyValue): every operation is
// one RPC, and the remote status comes back with the same code and message,
// so a grpc:// client behaves as the server's own backend does.
struct GrpcBackendOptions {
  // The server's "host:port".
  std::string target;
  // Deadline of every call. A call that misses it is DeadlineExceeded.
  absl::Duration timeout = absl::Seconds(5);
  // How long creation waits for a connection attempt that gets no answer
  // (a server that accepts nothing). An attempt that is answered with a
  // refusal (nothing listens there) or a failed TLS handshake fails at
  // once: waiting would only repeat it.
  absl::Duration connect_timeout = absl::Seconds(5);
  // TLS, and the client certificate for a server that requires one.
  ClientTlsOptions tls;
  // Sent as "authorization: Bearer <token>" with every call, for a server
  // started with --auth_token_file. Empty: no token. Over a plaintext
  // channel anyone on the path can read it: use TLS beyond loopback.
  std::string token;
};

// Connects to options.target, waiting up to connect_timeout, and asks the
// server for its backend's capabilities, which the returned backend then
// reports as its own. Errors: InvalidArgument for an empty target or
// inconsistent TLS options; the file's error for a TLS file that cannot be
// read; Unavailable naming the address when the server cannot be reached
// in time or refuses the connection, with gRPC's reason and what to check
// (is a server listening there; does it speak TLS when the URL does not, or
// the reverse); the server's
// status if it does not describe itself (Unauthenticated for a missing or
// wrong token).
//
// Transport failures later (server gone, deadline missed) are Unavailable
// and DeadlineExceeded naming the address, never a miss. TTLs are sent as
// given; a zero TTL is the server backend's default TTL, which is no expiry
// unless that backend's URL sets default_ttl. Health reports one endpoint
// per remote endpoint, named "host:port/endpoint", or the server itself
// when it cannot be asked.
absl::StatusOr<std::unique_ptr<Backend>> NewGrpcBackend(
    const GrpcBackendOptions& options);

// Registers the "grpc" scheme:
//   grpc://host:port?timeout=5s&connect_timeout=5s
//       &tls=1&ca=ca.pem&cert=client.pem&key=client.key&server_name=name
//       &token_file=token
// ca, cert, key and server_name need tls=1; cert and key go together;
// token_file holds the bearer token (surrounding whitespace ignored).
// Unknown parameters and files that cannot be read are InvalidArgument (or
// the file's error) naming them.
absl::Status RegisterGrpcBackend(BackendRegistry& registry);

}  // namespace kivi

#endif  // KIVI_GRPC_GRPC_BACKEND_H_
