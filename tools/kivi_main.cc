// kivi: a command-line client for any kivi backend, and a health probe.
//
//   kivi --backend=grpc://127.0.0.1:7070 set greeting hello
//   kivi get greeting
//   kivi health --addr=127.0.0.1:7070

#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "kivi/kivi.h"
#include "src/command_line.h"
#include "src/commands.h"
#include "src/health_command_line.h"
#include "src/health_probe.h"

namespace {

int Health(absl::Span<const char* const> args) {
  absl::StatusOr<kivi::cli::HealthInvocation> invocation =
      kivi::cli::ParseHealthCommandLine(args);
  if (!invocation.ok()) {
    absl::FPrintF(stderr, "kivi health: %s\n%s", invocation.status().message(),
                  kivi::cli::HealthUsageText());
    return kivi::cli::kHealthBadArguments;
  }
  if (invocation->help) {
    absl::PrintF("%s", kivi::cli::HealthUsageText());
    return kivi::cli::kHealthServing;
  }
  return kivi::cli::RunHealthProbe(*invocation, stdout, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "health") == 0) {
    return Health(
        absl::Span<const char* const>(argv + 2, static_cast<size_t>(argc - 2)));
  }
  absl::StatusOr<kivi::cli::Invocation> invocation =
      kivi::cli::ParseCommandLine(absl::Span<const char* const>(
          argv + 1, static_cast<size_t>(argc - 1)));
  if (!invocation.ok()) {
    absl::FPrintF(stderr, "kivi: %s\n%s", invocation.status().message(),
                  kivi::cli::UsageText());
    return kivi::cli::kExitUsage;
  }
  if (invocation->help) {
    absl::PrintF("%s", kivi::cli::UsageText());
    return kivi::cli::kExitOk;
  }

  absl::StatusOr<std::unique_ptr<kivi::Client>> client =
      kivi::Open(invocation->backend);
  if (!client.ok()) {
    absl::FPrintF(stderr, "kivi: %s\n", client.status().ToString());
    absl::FPrintF(stderr, "%s",
                  kivi::cli::OpenFailureHint(*invocation, client.status()));
    return kivi::cli::kExitError;
  }
  int code =
      kivi::cli::RunCommand(*invocation, **client, stdin, stdout, stderr);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::perror("kivi: writing the result");
    return kivi::cli::kExitError;
  }
  return code;
}
