#ifndef KIVI_NET_TLS_H_
#define KIVI_NET_TLS_H_

// The OpenSSL client context shared by every TLS connection of a backend.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kivi/net/tls_options.h"

namespace kivi::net {

class TlsContext {
 public:
  // A client context per `options` (`enabled` is not looked at): TLS 1.2 or
  // newer, the CA file (or the default trust store) for verification, the
  // client certificate and key when given. InvalidArgument naming the
  // parameter and the file that cannot be loaded, or the key file if it is
  // encrypted: a passphrase is never asked for (OpenSSL would prompt on the
  // terminal and hang a service).
  static absl::StatusOr<std::shared_ptr<const TlsContext>> Create(
      const TlsOptions& options);

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  // Thread-safe (OpenSSL contexts are, once configured).
  SSL_CTX* get() const { return ctx_; }

  // Prepares `ssl` (a new connection of this context) to connect to
  // `host`: SNI, and, when verifying, the name or IP address the server's
  // certificate must carry (TlsOptions::server_name if set, else `host`).
  // Internal naming the peer if OpenSSL refuses.
  absl::Status PrepareConnection(SSL* ssl, const std::string& host,
                                 absl::string_view peer) const;

  // The name checked for `host` (for messages).
  const std::string& ExpectedName(const std::string& host) const {
    return server_name_.empty() ? host : server_name_;
  }

 private:
  TlsContext(SSL_CTX* ctx, bool verify, std::string server_name)
      : ctx_(ctx), verify_(verify), server_name_(std::move(server_name)) {}

  SSL_CTX* ctx_;
  const bool verify_;
  const std::string server_name_;
};

// An OpenSSL pem_password_cb that never supplies a passphrase, so that
// loading an encrypted key fails instead of prompting on the terminal. With
// `userdata` pointing to a bool, sets it to true when called, which tells
// an encrypted key from a malformed one.
int RefusePassphrase(char* buf, int size, int rwflag, void* userdata);

// Empties OpenSSL's thread-local error queue and returns its entries as one
// line ("unknown error" when empty).
std::string TakeTlsErrors();

}  // namespace kivi::net

#endif  // KIVI_NET_TLS_H_
