#ifndef KIVI_SERVER_SRC_SERVER_CREDENTIALS_H_
#define KIVI_SERVER_SRC_SERVER_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "kivi/server/server.h"
#include "src/bearer_token_auth.h"

namespace kivi {

// The credentials kivi-server listens with: plaintext when `tls` names no
// files; else TLS with the certificate and key, requiring and verifying
// client certificates when client_ca_file is set.
//
// Every file is read and checked here, so that a bad one stops the server
// at start with its name and the reason, rather than as an obscure failure
// to listen or a handshake that never succeeds. Errors: InvalidArgument
// for a certificate without its key (or the reverse), a client CA without
// TLS, a file that holds no PEM certificate (or private key), an encrypted
// key (refused, never prompted for: a passphrase prompt would hang a server
// started from a terminal), or a key that does not belong to the
// certificate; ReadCredentialFile's errors for a
// file that cannot be read.
//
// The credentials check `auth`'s bearer token on kivi.v1.KeyValue calls
// before their message is read (see early_token_check.h).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> NewServerCredentials(
    const ServerTlsOptions& tls, const BearerTokenAuth& auth);

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_SERVER_CREDENTIALS_H_
