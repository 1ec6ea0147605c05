#include "kivi/net/tls_params.h"

#include "absl/strings/str_cat.h"

namespace kivi::net {

absl::Status ReadTlsParams(ParamReader& params, absl::string_view scheme,
                           TlsOptions* tls) {
  params.Bool("tls", &tls->enabled);
  params.String("tls_ca", &tls->ca_file);
  params.String("tls_cert", &tls->cert_file);
  params.String("tls_key", &tls->key_file);
  params.Bool("tls_verify", &tls->verify);
  params.String("tls_server_name", &tls->server_name);
  if (!tls->enabled) {
    for (absl::string_view name :
         {"tls_ca", "tls_cert", "tls_key", "tls_verify", "tls_server_name"}) {
      if (params.Has(name)) {
        return absl::InvalidArgumentError(absl::StrCat(
            scheme, ":// parameter \"", name,
            "\" needs tls=1 (without it the connection is plaintext)"));
      }
    }
  }
  if (tls->cert_file.empty() != tls->key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        scheme,
        ":// parameters \"tls_cert\" and \"tls_key\" must be given together"));
  }
  return absl::OkStatus();
}

}  // namespace kivi::net
