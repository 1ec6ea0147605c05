#include "kivi_server_process.h"

#include <algorithm>
#include <csignal>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kivi::testing {
namespace {

constexpr absl::string_view kListening = "kivi-server listening on ";

}  // namespace

absl::StatusOr<std::unique_ptr<KiviServerProcess>> KiviServerProcess::Start(
    std::vector<std::string> args) {
  if (std::none_of(args.begin(), args.end(), [](const std::string& arg) {
        return absl::StartsWith(arg, "--listen=");
      })) {
    args.push_back("--listen=127.0.0.1:0");
  }
  args.insert(args.begin(), KIVI_SERVER_BINARY);
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(args);
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> line = (*process)->ReadLine(absl::Seconds(20));
  if (!line.ok() || !absl::StartsWith(*line, kListening)) {
    ProcessResult result = (*process)->Finish();
    return absl::InternalError(absl::StrCat(
        "kivi-server did not start (exit ", result.exit_code,
        "): ", line.ok() ? *line : line.status().ToString(), "\n", result.err));
  }
  const absl::string_view rest =
      absl::string_view(*line).substr(kListening.size());
  return std::unique_ptr<KiviServerProcess>(new KiviServerProcess(
      *std::move(process), std::string(rest.substr(0, rest.find(' ')))));
}

ProcessResult RunKiviServer(std::vector<std::string> args) {
  args.insert(args.begin(), KIVI_SERVER_BINARY);
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(args);
  if (!process.ok()) {
    return {.exit_code = -1, .err = std::string(process.status().message())};
  }
  // A server that starts after all would never exit: it is killed, and
  // the caller sees 128 + SIGKILL with the line it printed.
  absl::StatusOr<std::string> line = (*process)->ReadLine(absl::Seconds(20));
  if (!absl::IsNotFound(line.status())) (*process)->Signal(SIGKILL);
  ProcessResult result = (*process)->Finish();
  if (line.ok()) result.out = absl::StrCat(*line, "\n", result.out);
  return result;
}

ProcessResult RunKivi(std::vector<std::string> args) {
  args.insert(args.begin(), KIVI_BINARY);
  return RunProcess(args);
}

}  // namespace kivi::testing
