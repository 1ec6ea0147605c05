#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/grpc/grpc_backend.h"
#include "kivi/status_macros.h"
#include "kivi/url.h"

namespace kivi {
namespace {

// OK if `authority` is one "host:port" (a bracketed IPv6 host allowed).
absl::Status ValidateAuthority(absl::string_view authority) {
  const size_t colon = authority.rfind(':');
  const size_t bracket = authority.rfind(']');
  const bool has_port =
      colon != absl::string_view::npos && colon + 1 < authority.size() &&
      (bracket == absl::string_view::npos || bracket < colon) &&
      authority.substr(colon + 1).find_first_not_of("0123456789") ==
          absl::string_view::npos;
  if (colon == 0 || !has_port ||
      authority.find(',') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc:// address \"", authority,
                     "\" must be one host:port, e.g. grpc://127.0.0.1:7070"));
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
        params.Duration("timeout", &options.timeout);
        params.Duration("connect_timeout", &options.connect_timeout);
        KIVI_RETURN_IF_ERROR(params.Finish());
        return NewGrpcBackend(options);
      });
}

}  // namespace kivi
