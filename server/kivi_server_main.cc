// kivi-server: serves a kivi backend over gRPC (kivi.v1.KeyValue,
// grpc.health.v1, server reflection) until SIGINT or SIGTERM; then it turns
// NOT_SERVING, lets calls in flight finish and exits 0.
//
//   kivi-server --listen=127.0.0.1:7070 --backend=memory://

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "kivi/server/server.h"
#include "kivi/url.h"
#include "src/flags_help.h"

namespace {

const kivi::ServerOptions kDefaults;

}  // namespace

ABSL_FLAG(std::string, listen, kDefaults.listen,
          "host:port to listen on (port 0: any free port). Beyond loopback, "
          "TLS and a token or client CA are required (see --allow_insecure)");
ABSL_FLAG(std::string, backend, kDefaults.backend_url,
          "backend URL to serve, e.g. memory:// or memcached://host:11211");

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve TLS (needs --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificates: require client certificates they signed "
          "(mTLS; needs --tls_cert)");
ABSL_FLAG(std::string, auth_token_file, "",
          "file holding the bearer token kivi.v1.KeyValue calls must send "
          "(\"authorization: Bearer <token>\"); health needs none");
ABSL_FLAG(bool, allow_insecure, false,
          "allow listening beyond loopback without TLS or client "
          "authentication (e.g. behind a TLS-terminating sidecar)");

ABSL_FLAG(std::string, metrics_listen, kDefaults.metrics_listen,
          "host:port serving GET /metrics (Prometheus text over plain HTTP); "
          "empty: none. Beyond loopback only with --allow_insecure");

ABSL_FLAG(absl::Duration, health_interval, kDefaults.health.interval,
          "time between backend health probes");
ABSL_FLAG(absl::Duration, health_timeout, kDefaults.health.timeout,
          "deadline of each backend health probe");
ABSL_FLAG(int, health_failure_threshold, kDefaults.health.failure_threshold,
          "consecutive failed probes that turn health NOT_SERVING");
ABSL_FLAG(int, health_success_threshold, kDefaults.health.success_threshold,
          "consecutive good probes that turn health SERVING again");

ABSL_FLAG(std::string, max_message_bytes,
          absl::StrCat(kDefaults.limits.max_message_bytes),
          "largest request message (e.g. 64MiB); larger: RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, max_batch_keys,
          static_cast<int64_t>(kDefaults.limits.max_batch_keys),
          "most keys in one batch call; more: INVALID_ARGUMENT");
ABSL_FLAG(std::string, max_value_bytes,
          absl::StrCat(kDefaults.limits.max_value_bytes),
          "largest value in a write (e.g. 1MiB); larger: INVALID_ARGUMENT");

ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "after SIGTERM/SIGINT, how long to keep serving while health says "
          "NOT_SERVING, so load balancers move away first");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "once the shutdown delay is over and no new calls are accepted, how "
          "long calls in flight may run on before they are cancelled");

namespace {

absl::Status ReadBytesFlag(absl::string_view name, const std::string& text,
                           size_t* out) {
  absl::StatusOr<uint64_t> bytes = kivi::ParseBytes(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": ", bytes.status().message()));
  }
  *out = static_cast<size_t>(*bytes);
  return absl::OkStatus();
}

absl::StatusOr<kivi::ServerOptions> OptionsFromFlags() {
  kivi::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.backend_url = absl::GetFlag(FLAGS_backend);
  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.auth_token_file = absl::GetFlag(FLAGS_auth_token_file);
  options.allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.health.interval = absl::GetFlag(FLAGS_health_interval);
  options.health.timeout = absl::GetFlag(FLAGS_health_timeout);
  options.health.failure_threshold =
      absl::GetFlag(FLAGS_health_failure_threshold);
  options.health.success_threshold =
      absl::GetFlag(FLAGS_health_success_threshold);
  absl::Status status =
      ReadBytesFlag("max_message_bytes", absl::GetFlag(FLAGS_max_message_bytes),
                    &options.limits.max_message_bytes);
  if (!status.ok()) return status;
  status =
      ReadBytesFlag("max_value_bytes", absl::GetFlag(FLAGS_max_value_bytes),
                    &options.limits.max_value_bytes);
  if (!status.ok()) return status;
  const int64_t batch = absl::GetFlag(FLAGS_max_batch_keys);
  if (batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_batch_keys must be at least 1, got ", batch));
  }
  options.limits.max_batch_keys = static_cast<size_t>(batch);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr absl::string_view kUsage =
      "serves a kivi backend over gRPC, with grpc.health.v1.\n"
      "  kivi-server --listen=127.0.0.1:7070 --backend=memory://";
  constexpr absl::string_view kFlagSources[] = {"server/kivi_server_main.cc"};
  if (kivi::cli::PrintFlagsHelpIfAsked(
          absl::MakeConstSpan(argv + 1, static_cast<size_t>(argc - 1)), kUsage,
          kFlagSources, stdout)) {
    return 0;
  }
  absl::SetProgramUsageMessage(kUsage);
  absl::ParseCommandLine(argc, argv);

  // Blocked before gRPC starts its threads, so every thread inherits the
  // mask and the signals are only ever taken by sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<kivi::ServerOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    absl::FPrintF(stderr, "kivi-server: %s\n", options.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<kivi::Server>> server =
      kivi::Server::Start(*options);
  if (!server.ok()) {
    absl::FPrintF(stderr, "kivi-server: %s\n", server.status().ToString());
    return 1;
  }
  absl::PrintF("kivi-server listening on %s (%s)\n", (*server)->address(),
               options->backend_url);
  if ((*server)->metrics_port() != 0) {
    absl::PrintF("kivi-server metrics on port %d\n", (*server)->metrics_port());
  }
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  const absl::Duration delay = absl::GetFlag(FLAGS_shutdown_delay);
  const absl::Duration drain = absl::GetFlag(FLAGS_drain_timeout);
  absl::FPrintF(stderr,
                "kivi-server: %s: NOT_SERVING; stopping in %s, then draining "
                "for up to %s\n",
                strsignal(signal), absl::FormatDuration(delay),
                absl::FormatDuration(drain));
  (*server)->DeclareNotServing();
  absl::SleepFor(delay);
  (*server)->Shutdown(drain);
  (*server)->Wait();
  return 0;
}
