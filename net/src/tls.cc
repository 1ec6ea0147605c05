#include "kivi/net/tls.h"

#include <openssl/err.h>

#include "absl/strings/str_cat.h"

namespace kivi::net {

std::string TakeTlsErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown error" : out;
}

absl::StatusOr<std::shared_ptr<const TlsContext>> TlsContext::Create(
    const TlsOptions& options) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return absl::InternalError(
        absl::StrCat("TLS: cannot create a context: ", TakeTlsErrors()));
  }
  std::shared_ptr<const TlsContext> owned(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(
      ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) !=
        1) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter \"tls_ca\": cannot load \"", options.ca_file,
                       "\": ", TakeTlsErrors()));
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return absl::InternalError(absl::StrCat(
        "TLS: cannot load the default trust store: ", TakeTlsErrors()));
  }
  SSL_CTX_set_verify(ctx, options.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                     nullptr);
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "parameters \"tls_cert\" and \"tls_key\" must be given together");
  }
  if (!options.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) !=
        1) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter \"tls_cert\": cannot load \"",
                       options.cert_file, "\": ", TakeTlsErrors()));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(),
                                    SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter \"tls_key\": cannot load \"",
                       options.key_file, "\": ", TakeTlsErrors()));
    }
  }
  return owned;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace kivi::net
