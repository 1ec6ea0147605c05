#include "src/bearer_token_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "absl/strings/match.h"

namespace kivi {
namespace {

constexpr absl::string_view kScheme = "Bearer ";

}  // namespace

BearerTokenAuth::BearerTokenAuth(absl::string_view token)
    : enabled_(!token.empty()), digest_(Hash(token)) {}

BearerTokenAuth::Digest BearerTokenAuth::Hash(absl::string_view bytes) {
  Digest digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(),
             nullptr);
  return digest;
}

grpc::Status BearerTokenAuth::Admit(
    const grpc::ServerContextBase& context) const {
  if (!enabled_) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto header = metadata.find("authorization");
  if (header == metadata.end()) return AdmitHeader(nullptr);
  const absl::string_view value(header->second.data(), header->second.size());
  return AdmitHeader(&value);
}

grpc::Status BearerTokenAuth::AdmitHeader(
    const absl::string_view* authorization) const {
  if (!enabled_) return grpc::Status::OK;
  if (authorization == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "kivi-server needs a bearer token: send "
                        "\"authorization: Bearer <token>\"");
  }
  const absl::string_view value = *authorization;
  // The scheme name is case-insensitive (RFC 7235); the token is not.
  if (value.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(value, kScheme)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "kivi-server's authorization header must be "
                        "\"Bearer <token>\"");
  }
  const Digest sent = Hash(value.substr(kScheme.size()));
  if (CRYPTO_memcmp(sent.data(), digest_.data(), digest_.size()) != 0) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "wrong bearer token");
  }
  return grpc::Status::OK;
}

}  // namespace kivi
