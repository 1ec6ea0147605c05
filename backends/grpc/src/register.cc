#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/grpc/channel.h"
#include "kivi/grpc/grpc_backend.h"
#include "kivi/host_port.h"
#include "kivi/status_macros.h"
#include "kivi/url.h"

namespace kivi {
namespace {

// OK if `authority` is one "host:port" (a bracketed IPv6 host allowed),
// read by the shared ParseHostPort so that a port beyond 65535 is refused.
absl::Status ValidateAuthority(absl::string_view authority) {
  if (authority.find(',') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc:// address \"", authority,
                     "\" must be one host:port, e.g. grpc://127.0.0.1:7070"));
  }
  return ParseHostPort(authority, "grpc:// address").status();
}

// The TLS parameters' rules, in the URL's own terms.
absl::Status ValidateTls(const ClientTlsOptions& tls) {
  const std::pair<absl::string_view, const std::string*> files[] = {
      {"ca", &tls.ca_file},
      {"cert", &tls.cert_file},
      {"key", &tls.key_file},
      {"server_name", &tls.server_name}};
  for (const auto& [name, value] : files) {
    if (!tls.enabled && !value->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("grpc:// parameter ", name, " needs tls=1"));
    }
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "grpc:// parameters cert and key go together (a client certificate "
        "and its private key)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RegisterGrpcBackend(BackendRegistry& registry) {
  return registry.Register(
      "grpc",
      [](const BackendUrl& url, const ClientOptions&,
         ParamReader& params) -> absl::StatusOr<std::unique_ptr<Backend>> {
        KIVI_RETURN_IF_ERROR(ValidateAuthority(url.authority));
        if (!url.path.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("grpc:// takes no path, got \"/", url.path, "\""));
        }
        GrpcBackendOptions options;
        options.target = url.authority;
        std::string token_file;
        params.Duration("timeout", &options.timeout);
        params.Duration("connect_timeout", &options.connect_timeout);
        params.Bool("tls", &options.tls.enabled);
        params.String("ca", &options.tls.ca_file);
        params.String("cert", &options.tls.cert_file);
        params.String("key", &options.tls.key_file);
        params.String("server_name", &options.tls.server_name);
        params.String("token_file", &token_file);
        KIVI_RETURN_IF_ERROR(params.Finish());
        KIVI_RETURN_IF_ERROR(ValidateTls(options.tls));
        if (!token_file.empty()) {
          absl::StatusOr<std::string> token =
              ReadTokenFile("token_file", token_file);
          if (!token.ok()) return token.status();
          options.token = *std::move(token);
        }
        return NewGrpcBackend(options);
      });
}

}  // namespace kivi
