// kivi: a command-line client for any kivi backend.
//
//   kivi --backend=grpc://127.0.0.1:7070 set greeting hello
//   kivi get greeting

#include <cstdio>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "kivi/kivi.h"
#include "src/command_line.h"
#include "src/commands.h"

int main(int argc, char** argv) {
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
