#include "src/health_command_line.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/host_port.h"
#include "kivi/status_macros.h"
#include "kivi/url.h"
#include "src/command_line.h"

namespace kivi::cli {
namespace {

absl::Status ReadTimeout(absl::string_view name, const std::string& text,
                         absl::Duration* out) {
  absl::StatusOr<absl::Duration> timeout = ParseDuration(text);
  if (!timeout.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", timeout.status().message()));
  }
  if (*timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be positive, got ", text));
  }
  *out = *timeout;
  return absl::OkStatus();
}

absl::Status Validate(const HealthInvocation& invocation) {
  if (invocation.addr.empty() == invocation.backend.empty()) {
    return absl::InvalidArgumentError(
        "health needs exactly one of --addr=HOST:PORT and --backend=URL");
  }
  if (!invocation.addr.empty()) {
    KIVI_RETURN_IF_ERROR(ParseHostPort(invocation.addr, "--addr").status());
  }
  const ClientTlsOptions& tls = invocation.tls;
  if (!invocation.backend.empty() &&
      (!invocation.service.empty() || tls.enabled)) {
    return absl::InvalidArgumentError(
        "--service and --tls apply to --addr; a backend URL carries its own "
        "TLS parameters");
  }
  const std::pair<absl::string_view, const std::string*> tls_flags[] = {
      {"--tls_ca", &tls.ca_file},
      {"--tls_cert", &tls.cert_file},
      {"--tls_key", &tls.key_file},
      {"--tls_server_name", &tls.server_name}};
  for (const auto& [name, value] : tls_flags) {
    if (!tls.enabled && !value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " needs --tls"));
    }
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key go together (a client certificate and its "
        "private key)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HealthInvocation> ParseHealthCommandLine(
    absl::Span<const char* const> args) {
  HealthInvocation invocation;
  // Flags that take a value, and where it goes.
  const std::pair<absl::string_view, std::string*> strings[] = {
      {"--addr", &invocation.addr},
      {"--service", &invocation.service},
      {"--backend", &invocation.backend},
      {"--tls_ca", &invocation.tls.ca_file},
      {"--tls_cert", &invocation.tls.cert_file},
      {"--tls_key", &invocation.tls.key_file},
      {"--tls_server_name", &invocation.tls.server_name}};
  const std::pair<absl::string_view, absl::Duration*> durations[] = {
      {"--connect_timeout", &invocation.connect_timeout},
      {"--rpc_timeout", &invocation.rpc_timeout}};

  for (size_t i = 0; i < args.size(); ++i) {
    const absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      invocation.help = true;
      return invocation;
    }
    if (arg == "--tls") {
      invocation.tls.enabled = true;
      continue;
    }
    bool known = false;
    for (const auto& [name, out] : strings) {
      if (!IsFlag(arg, name)) continue;
      absl::StatusOr<std::string> value = FlagValue(arg, name, args, &i);
      if (!value.ok()) return value.status();
      *out = *std::move(value);
      known = true;
      break;
    }
    for (const auto& [name, out] : durations) {
      if (known || !IsFlag(arg, name)) continue;
      absl::StatusOr<std::string> value = FlagValue(arg, name, args, &i);
      if (!value.ok()) return value.status();
      absl::Status status = ReadTimeout(name, *value, out);
      if (!status.ok()) return status;
      known = true;
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("health: unknown argument \"", arg, "\""));
    }
  }
  absl::Status valid = Validate(invocation);
  if (!valid.ok()) return valid;
  return invocation;
}

const char* HealthUsageText() {
  return R"(usage: kivi health --addr=HOST:PORT [--service=NAME] [TLS flags]
       kivi health --backend=URL

Asks a gRPC server for its grpc.health.v1 status (--addr), or probes a
backend's endpoints directly and prints each one's status and latency
(--backend). Meant as a Kubernetes exec probe, like grpc_health_probe.

flags:
  --addr=HOST:PORT        server to ask (kivi-server or any grpc.health.v1 server)
  --service=NAME          service to ask about (default "": the whole server;
                          kivi-server also answers for "kivi.v1.KeyValue")
  --backend=URL           backend to probe instead, e.g. memcached://h:11211
  --tls                   connect to --addr with TLS
  --tls_ca=FILE           PEM CA certificates for the server's certificate
                          (default: the system's roots)
  --tls_cert=FILE         PEM client certificate, for mTLS (with --tls_key)
  --tls_key=FILE          PEM private key of --tls_cert
  --tls_server_name=NAME  name the server's certificate must carry
  --connect_timeout=DUR   how long to wait for the connection (default 1s)
  --rpc_timeout=DUR       deadline of the health call (default 1s)

exit codes (grpc_health_probe's): 0 serving, 1 bad arguments, 2 connection
failure, 3 RPC failure, 4 not serving
)";
}

}  // namespace kivi::cli
