#include "src/server_credentials.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "kivi/grpc/channel.h"
#include "kivi/net/tls.h"

namespace kivi {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using PrivateKey = std::unique_ptr<EVP_PKEY, KeyFree>;

Bio MemoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// OpenSSL's reason for the last failure, and a clean error queue.
std::string OpenSslReason() {
  const unsigned long error = ERR_get_error();
  ERR_clear_error();
  if (error == 0) return "no PEM block found";
  char text[256];
  ERR_error_string_n(error, text, sizeof(text));
  return text;
}

absl::Status NotA(absl::string_view role, const std::string& path,
                  absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      role, " file \"", path, "\" holds no ", what, ": ", OpenSslReason()));
}

// The first certificate in `pem`.
absl::StatusOr<Certificate> ParseCertificate(absl::string_view role,
                                             const std::string& path,
                                             const std::string& pem) {
  Bio bio = MemoryBio(pem);
  Certificate cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return NotA(role, path, "PEM certificate");
  return cert;
}

absl::StatusOr<std::string> ReadCertificates(absl::string_view role,
                                             const std::string& path) {
  absl::StatusOr<std::string> pem = ReadCredentialFile(role, path);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<Certificate> cert = ParseCertificate(role, path, *pem);
  if (!cert.ok()) return cert.status();
  return pem;
}

// Reads the certificate chain and the key, and checks that they match.
absl::StatusOr<grpc::SslServerCredentialsOptions::PemKeyCertPair> ReadKeyPair(
    const ServerTlsOptions& tls) {
  absl::StatusOr<std::string> cert_pem =
      ReadCredentialFile("tls_cert", tls.cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<Certificate> cert =
      ParseCertificate("tls_cert", tls.cert_file, *cert_pem);
  if (!cert.ok()) return cert.status();

  absl::StatusOr<std::string> key_pem =
      ReadCredentialFile("tls_key", tls.key_file);
  if (!key_pem.ok()) return key_pem.status();
  Bio bio = MemoryBio(*key_pem);
  // Never OpenSSL's default, which prompts for a passphrase on the terminal.
  bool encrypted = false;
  PrivateKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr,
                                         net::RefusePassphrase, &encrypted));
  if (key == nullptr && encrypted) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "tls_key file \"", tls.key_file,
        "\" is encrypted; kivi-server never asks for a passphrase: give an "
        "unencrypted key (openssl pkey -in <key> -out <plain key>) kept "
        "readable only by the server"));
  }
  if (key == nullptr) {
    return NotA("tls_key", tls.key_file, "unencrypted PEM private key");
  }
  if (X509_check_private_key(cert->get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("tls_key file \"", tls.key_file,
                     "\" is not the private key of the certificate in "
                     "tls_cert file \"",
                     tls.cert_file, "\""));
  }
  return grpc::SslServerCredentialsOptions::PemKeyCertPair{
      *std::move(key_pem), *std::move(cert_pem)};
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> NewServerCredentials(
    const ServerTlsOptions& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert and tls_key go together: a certificate and its private key");
  }
  if (tls.cert_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_client_ca needs TLS: set tls_cert and tls_key too");
    }
    return grpc::InsecureServerCredentials();
  }
  absl::StatusOr<grpc::SslServerCredentialsOptions::PemKeyCertPair> pair =
      ReadKeyPair(tls);
  if (!pair.ok()) return pair.status();

  grpc::SslServerCredentialsOptions ssl(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  ssl.pem_key_cert_pairs.push_back(*std::move(pair));
  if (!tls.client_ca_file.empty()) {
    absl::StatusOr<std::string> roots =
        ReadCertificates("tls_client_ca", tls.client_ca_file);
    if (!roots.ok()) return roots.status();
    ssl.pem_root_certs = *std::move(roots);
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace kivi
