#ifndef KIVI_NET_TLS_H_
#define KIVI_NET_TLS_H_

// The OpenSSL client context shared by every TLS connection of a backend.

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kivi/net/tls_options.h"

namespace kivi::net {

class TlsContext {
 public:
  // A client context per `options` (`enabled` is not looked at): TLS 1.2 or
  // newer, the CA file (or the default trust store) for verification, the
  // client certificate and key when given. InvalidArgument naming the parameter
  // and the file that cannot be loaded.
  static absl::StatusOr<std::shared_ptr<const TlsContext>> Create(
      const TlsOptions& options);

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  // Thread-safe (OpenSSL contexts are, once configured).
  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}

  SSL_CTX* ctx_;
};

// Empties OpenSSL's thread-local error queue and returns its entries as one
// line ("unknown error" when empty).
std::string TakeTlsErrors();

}  // namespace kivi::net

#endif  // KIVI_NET_TLS_H_
