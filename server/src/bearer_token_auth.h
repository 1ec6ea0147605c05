#ifndef KIVI_SERVER_SRC_BEARER_TOKEN_AUTH_H_
#define KIVI_SERVER_SRC_BEARER_TOKEN_AUTH_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace kivi {

// Admits a call when its "authorization" header is "Bearer <token>" for the
// one configured token. The comparison takes the same time whatever the
// caller sent (both sides are hashed, and the digests compared in constant
// time), so response times reveal nothing about the token.
//
// Thread-safe; immutable after construction.
class BearerTokenAuth {
 public:
  // An empty `token` admits every call.
  explicit BearerTokenAuth(absl::string_view token);

  bool enabled() const { return enabled_; }

  // OK, or Unauthenticated saying whether the token was missing or wrong
  // (never echoing what was sent).
  grpc::Status Admit(const grpc::ServerContextBase& context) const;
  // As Admit, given the "authorization" header's value, or nullptr when the
  // call has none.
  grpc::Status AdmitHeader(const absl::string_view* authorization) const;

 private:
  using Digest = std::array<uint8_t, 32>;
  static Digest Hash(absl::string_view bytes);

  bool enabled_;
  Digest digest_;
};

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_BEARER_TOKEN_AUTH_H_
