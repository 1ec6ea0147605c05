#include "kivi/net/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

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
  std::shared_ptr<const TlsContext> owned(
      new TlsContext(ctx, options.verify, options.server_name));
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
    bool asked_passphrase = false;
    SSL_CTX_set_default_passwd_cb(ctx, RefusePassphrase);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked_passphrase);
    const int loaded = SSL_CTX_use_PrivateKey_file(
        ctx, options.key_file.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
    if (loaded != 1 && asked_passphrase) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter \"tls_key\": \"", options.key_file,
          "\" is encrypted; kivi never asks for a passphrase: give an "
          "unencrypted key (openssl pkey -in <key> -out <plain key>) kept "
          "readable only by the service"));
    }
    if (loaded != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter \"tls_key\": cannot load \"",
                       options.key_file, "\": ", TakeTlsErrors()));
    }
  }
  return owned;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

int RefusePassphrase(char* buf, int size, int rwflag, void* userdata) {
  if (userdata != nullptr) *static_cast<bool*>(userdata) = true;
  return 0;
}

absl::Status TlsContext::PrepareConnection(SSL* ssl, const std::string& host,
                                           absl::string_view peer) const {
  const std::string& name = ExpectedName(host);
  in6_addr ip6;
  in_addr ip4;
  const bool is_ip = ::inet_pton(AF_INET, name.c_str(), &ip4) == 1 ||
                     ::inet_pton(AF_INET6, name.c_str(), &ip6) == 1;
  // SNI carries host names only (RFC 6066).
  if (!is_ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return absl::InternalError(
        absl::StrCat(peer, ": TLS: cannot set the server name \"", name,
                     "\": ", TakeTlsErrors()));
  }
  if (!verify_) return absl::OkStatus();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok;
  if (is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = SSL_set1_host(ssl, name.c_str());
  }
  if (ok != 1) {
    return absl::InternalError(absl::StrCat(peer,
                                            ": TLS: cannot check the name \"",
                                            name, "\": ", TakeTlsErrors()));
  }
  return absl::OkStatus();
}

}  // namespace kivi::net
