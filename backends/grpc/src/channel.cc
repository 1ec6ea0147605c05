#include "kivi/grpc/channel.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace kivi {
namespace {

absl::Status FileError(absl::string_view role, const std::string& path,
                       int error) {
  const std::string message =
      absl::StrCat(role, " file \"", path, "\": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

// True for the bytes RFC 9113 allows in a header value that also survive
// being one token of "Bearer <token>".
bool IsTokenByte(char c) { return c > ' ' && c < 0x7f; }

}  // namespace

void KeepOpenSslUntilExit() {
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
}

absl::StatusOr<std::string> ReadCredentialFile(absl::string_view role,
                                               const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(role, path, errno);
  struct stat info;
  const int stat_error = fstat(fd, &info) != 0   ? errno
                         : S_ISDIR(info.st_mode) ? EISDIR
                                                 : 0;
  if (stat_error != 0) {
    close(fd);
    return FileError(role, path, stat_error);
  }
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return FileError(role, path, error);
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(role, " file \"", path, "\" is empty"));
  }
  return text;
}

absl::StatusOr<std::string> ReadTokenFile(absl::string_view role,
                                          const std::string& path) {
  absl::StatusOr<std::string> content = ReadCredentialFile(role, path);
  if (!content.ok()) return content.status();
  const absl::string_view token = absl::StripAsciiWhitespace(*content);
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(role, " file \"", path, "\" holds no token"));
  }
  for (size_t i = 0; i < token.size(); ++i) {
    if (!IsTokenByte(token[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          role, " file \"", path, "\": the token has a byte that cannot be ",
          "sent in a header (byte ", i, ": space, control or non-ASCII)"));
    }
  }
  return std::string(token);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> NewClientChannel(
    const std::string& target, const ClientTlsOptions& tls,
    grpc::ChannelArguments args) {
  if (!tls.enabled) {
    if (!tls.ca_file.empty() || !tls.cert_file.empty() ||
        !tls.key_file.empty() || !tls.server_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS files or server name given for ", target, " without TLS"));
    }
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                     args);
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a client certificate for ", target, " needs both cert and key files"));
  }
  KeepOpenSslUntilExit();
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadCredentialFile("ca", tls.ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!tls.cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadCredentialFile("cert", tls.cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadCredentialFile("key", tls.key_file);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  if (!tls.server_name.empty()) args.SetSslTargetNameOverride(tls.server_name);
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
}

}  // namespace kivi
