#ifndef KIVI_BACKENDS_MEMCACHED_SRC_TLS_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_TLS_H_

// OpenSSL client context shared by every TLS connection of a backend.

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kivi/memcached/memcached_backend.h"

namespace kivi::memcached {

class TlsContext {
 public:
  // A client context per `options`: TLS 1.2 or newer, the CA file (or the
  // default trust store) for verification, the client certificate and key
  // when given. InvalidArgument naming the file that cannot be loaded.
  static absl::StatusOr<std::shared_ptr<const TlsContext>> Create(
      const MemcachedTlsOptions& options);

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

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_TLS_H_
