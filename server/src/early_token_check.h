#ifndef KIVI_SERVER_SRC_EARLY_TOKEN_CHECK_H_
#define KIVI_SERVER_SRC_EARLY_TOKEN_CHECK_H_

#include <grpc/grpc_security.h>

#include <functional>
#include <memory>

#include "grpcpp/security/server_credentials.h"
#include "src/bearer_token_auth.h"

namespace kivi {

// Server credentials that check kivi.v1.KeyValue's bearer token as soon as a
// call's headers arrive, in gRPC's auth-metadata step, before the call is
// handed to the service and before its message is read. A caller without
// the token therefore costs the server a header's worth of memory, not the
// up to max_message_bytes it could send (8 token-less 60 MiB Sets cost
// ~550 MiB when the token was checked in the handler). The refusal is the
// handler's (UNAUTHENTICATED with the same message), so clients see no
// difference.
//
// Calls to other services (grpc.health.v1, reflection) are not checked, so
// probes need no secret. gRPC's C++ API offers the hook only on TLS
// credentials (SetAuthMetadataProcessor asserts on insecure ones), so these
// wrap gRPC's core credentials, plaintext or TLS alike, and attach the
// processor there.
//
// `make_core` makes the core credentials (grpc_insecure_server_credentials_
// create or grpc_ssl_server_credentials_create_ex); it is called once gRPC
// is initialised, and the result is owned. `auth` is copied; a disabled one
// attaches nothing.
std::shared_ptr<grpc::ServerCredentials> WithEarlyTokenCheck(
    const std::function<grpc_server_credentials*()>& make_core,
    const BearerTokenAuth& auth);

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_EARLY_TOKEN_CHECK_H_
