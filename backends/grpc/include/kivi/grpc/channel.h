#ifndef KIVI_GRPC_CHANNEL_H_
#define KIVI_GRPC_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

// How kivi's gRPC clients (the grpc:// backend, `kivi health`) reach a
// kivi-server: plaintext or TLS, optionally presenting a client certificate
// (mTLS), and the files that hold certificates and tokens. kivi-server reads
// its own files with the same functions, so every tool names a bad file the
// same way.

namespace kivi {

// Reads the whole file at `path`. `role` names it in errors, e.g.
// `tls_cert file "/etc/kivi/cert.pem": No such file or directory`.
// Errors: NotFound (no such file), PermissionDenied (not readable),
// FailedPrecondition (anything else the system reports, e.g. a directory);
// InvalidArgument when the file is empty.
absl::StatusOr<std::string> ReadCredentialFile(absl::string_view role,
                                               const std::string& path);

// Reads a bearer token: the file's content without surrounding whitespace
// (so a trailing newline is fine). Errors as ReadCredentialFile (role
// `role`), and InvalidArgument when the token is empty or holds a byte that
// cannot travel in an HTTP/2 header value (a control byte, a space, or a
// non-ASCII byte). The token itself never appears in a message.
absl::StatusOr<std::string> ReadTokenFile(absl::string_view role,
                                          const std::string& path);

// Stops OpenSSL from tearing itself down in an exit handler, unless
// OpenSSL was initialised before. gRPC's threads may still be running when
// a process exits; one that used TLS and is ending at that moment would
// use OpenSSL's freed locks and crash the exit (seen as SIGSEGV in
// OPENSSL_cleanup). Leaving OpenSSL's memory to the OS is harmless.
// NewClientChannel calls this for TLS channels, Server::Start for every
// server.
void KeepOpenSslUntilExit();

// TLS settings of a client channel.
struct ClientTlsOptions {
  // Speak TLS. The other fields require it.
  bool enabled = false;
  // PEM file with the CA certificates that may sign the server's
  // certificate. Empty: the system's roots.
  std::string ca_file;
  // PEM files with the client's certificate chain and private key, for a
  // server that requires client certificates (mTLS). Both or neither.
  std::string cert_file;
  std::string key_file;
  // The name the server's certificate must carry, when it differs from the
  // host in the target (e.g. connecting by IP to a certificate for a DNS
  // name). Empty: the target's host.
  std::string server_name;
};

// A channel to `target` ("host:port") with `tls` and `args`; nothing is
// connected yet. InvalidArgument naming the option when a TLS field is set
// without `enabled`, or only one of cert_file/key_file is set; the errors
// of ReadCredentialFile for a file that cannot be read (a file that is not
// PEM shows up later, as the connection failing).
absl::StatusOr<std::shared_ptr<grpc::Channel>> NewClientChannel(
    const std::string& target, const ClientTlsOptions& tls,
    grpc::ChannelArguments args = {});

}  // namespace kivi

#endif  // KIVI_GRPC_CHANNEL_H_
