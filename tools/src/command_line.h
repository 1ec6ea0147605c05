#ifndef KIVI_TOOLS_SRC_COMMAND_LINE_H_
#define KIVI_TOOLS_SRC_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace kivi::cli {

// The kivi tool's exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitNotFound = 1;  // A key (or a batch key) missed.
inline constexpr int kExitUsage = 2;     // The command line is wrong.
inline constexpr int kExitError = 3;     // Anything else failed.

// What the backend of the kivi tool is when --backend is not given: the
// server `make run` starts.
inline constexpr char kDefaultBackend[] = "grpc://127.0.0.1:7070";

// One parsed command line: `kivi [flags] COMMAND ARGS...`.
struct Invocation {
  std::string backend = kDefaultBackend;
  // From --ttl; zero when not given (the backend's default TTL).
  absl::Duration ttl = absl::ZeroDuration();
  // True for --help / -h / `help`: print the usage and nothing else.
  bool help = false;
  // "get", "set", "del", "list", "batch-get" or "incr".
  std::string command;
  std::vector<std::string> args;
  // For set: whether the value comes from stdin (VALUE omitted).
  bool value_from_stdin = false;
  // For incr: the delta (default 1).
  int64_t delta = 1;
};

// Reads the value of flag `name` (e.g. "--backend") whose argument
// args[*i] is `arg`: from "--name=value", else from the next argument,
// advancing *i. InvalidArgument when no value follows.
absl::StatusOr<std::string> FlagValue(absl::string_view arg,
                                      absl::string_view name,
                                      absl::Span<const char* const> args,
                                      size_t* i);

// True if `arg` is flag `name` in either form ("--name" or "--name=...").
bool IsFlag(absl::string_view arg, absl::string_view name);

// Parses argv[1..] (for every command but `health`, see health_command.h).
// Flags (--backend=URL or --backend URL, --ttl=DURATION,
// --help) may appear anywhere before "--"; everything else is the command
// and its arguments, so "incr KEY -5" works. InvalidArgument with a
// one-line reason for an unknown command or flag, a wrong argument count, a
// malformed --ttl or delta, or --ttl on a command that stores nothing.
absl::StatusOr<Invocation> ParseCommandLine(absl::Span<const char* const> args);

// The usage text, ending in a newline.
const char* UsageText();

// A line for stderr after the backend could not be opened with `status`:
// when nothing answers at the default backend (the user gave no
// --backend), how to start a server or name another store; else "".
std::string OpenFailureHint(const Invocation& invocation,
                            const absl::Status& status);

}  // namespace kivi::cli

#endif  // KIVI_TOOLS_SRC_COMMAND_LINE_H_
