// kivi-server: serves a kivi backend over gRPC (kivi.v1.KeyValue, with
// server reflection) until SIGINT or SIGTERM, then drains and exits 0.
//
//   kivi-server --listen=127.0.0.1:7070 --backend=memory://

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "kivi/server/server.h"

ABSL_FLAG(std::string, listen, kivi::ServerOptions().listen,
          "host:port to listen on (port 0: any free port)");
ABSL_FLAG(std::string, backend, kivi::ServerOptions().backend_url,
          "backend URL to serve, e.g. memory:// or memcached://host:11211");

namespace {

// How long calls in flight may run on after a stop signal.
constexpr absl::Duration kDrainTimeout = absl::Seconds(10);

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "serves a kivi backend over gRPC.\n"
      "  kivi-server --listen=127.0.0.1:7070 --backend=memory://");
  absl::ParseCommandLine(argc, argv);

  // Blocked before gRPC starts its threads, so every thread inherits the
  // mask and the signals are only ever taken by sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  kivi::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.backend_url = absl::GetFlag(FLAGS_backend);
  absl::StatusOr<std::unique_ptr<kivi::Server>> server =
      kivi::Server::Start(options);
  if (!server.ok()) {
    absl::FPrintF(stderr, "kivi-server: %s\n", server.status().ToString());
    return 1;
  }
  absl::PrintF("kivi-server listening on %s (%s)\n", (*server)->address(),
               options.backend_url);
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  absl::FPrintF(stderr, "kivi-server: %s, draining for up to %s\n",
                strsignal(signal), absl::FormatDuration(kDrainTimeout));
  (*server)->Shutdown(kDrainTimeout);
  (*server)->Wait();
  return 0;
}
