#include "src/command_line.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kivi/url.h"

namespace kivi::cli {
namespace {

struct CommandSpec {
  absl::string_view name;
  size_t min_args;
  size_t max_args;
  bool takes_ttl;
};

constexpr size_t kUnbounded = SIZE_MAX;

constexpr CommandSpec kCommands[] = {
    {"get", 1, 1, false},
    {"set", 1, 2, true},
    {"del", 1, 1, false},
    {"list", 0, 1, false},
    {"batch-get", 1, kUnbounded, false},
    {"incr", 1, 2, true},
};

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& spec : kCommands) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::string> FlagValue(absl::string_view arg,
                                      absl::string_view name,
                                      absl::Span<const char* const> args,
                                      size_t* i) {
  if (arg.size() > name.size() && arg[name.size()] == '=') {
    return std::string(arg.substr(name.size() + 1));
  }
  if (*i + 1 >= args.size()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
  }
  return std::string(args[++*i]);
}

bool IsFlag(absl::string_view arg, absl::string_view name) {
  return absl::StartsWith(arg, name) &&
         (arg.size() == name.size() || arg[name.size()] == '=');
}

absl::StatusOr<Invocation> ParseCommandLine(
    absl::Span<const char* const> args) {
  Invocation invocation;
  bool ttl_given = false;
  std::vector<std::string> positional;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const absl::string_view arg = args[i];
    if (flags_done || !absl::StartsWith(arg, "-") || arg == "-" ||
        (arg.size() > 1 && arg[1] != '-' && arg != "-h")) {
      positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
    } else if (arg == "--help" || arg == "-h") {
      invocation.help = true;
    } else if (IsFlag(arg, "--backend")) {
      absl::StatusOr<std::string> value = FlagValue(arg, "--backend", args, &i);
      if (!value.ok()) return value.status();
      invocation.backend = *std::move(value);
    } else if (IsFlag(arg, "--ttl")) {
      absl::StatusOr<std::string> value = FlagValue(arg, "--ttl", args, &i);
      if (!value.ok()) return value.status();
      absl::StatusOr<absl::Duration> ttl = ParseDuration(*value);
      if (!ttl.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--ttl: ", ttl.status().message()));
      }
      invocation.ttl = *ttl;
      ttl_given = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    }
  }
  if (invocation.help || (!positional.empty() && positional[0] == "help")) {
    invocation.help = true;
    return invocation;
  }
  if (positional.empty()) return absl::InvalidArgumentError("no command");

  invocation.command = positional[0];
  invocation.args.assign(positional.begin() + 1, positional.end());
  const CommandSpec* spec = FindCommand(invocation.command);
  if (invocation.command == "health") {
    return absl::InvalidArgumentError(
        "health comes first, with its own flags: kivi health --addr=HOST:PORT "
        "or kivi health --backend=URL");
  }
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command \"", invocation.command, "\""));
  }
  const size_t n = invocation.args.size();
  if (n < spec->min_args || n > spec->max_args) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec->name, ": wrong number of arguments (", n, ")"));
  }
  if (ttl_given && !spec->takes_ttl) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ttl does not apply to ", spec->name));
  }
  if (spec->name == "set") invocation.value_from_stdin = n == 1;
  if (spec->name == "incr" && n == 2 &&
      !absl::SimpleAtoi(invocation.args[1], &invocation.delta)) {
    return absl::InvalidArgumentError(
        absl::StrCat("incr: DELTA \"", invocation.args[1],
                     "\" is not a signed 64-bit integer"));
  }
  return invocation;
}

const char* UsageText() {
  return R"(usage: kivi [--backend=URL] [--ttl=DURATION] COMMAND [ARGS...]

commands:
  get KEY               print the value's raw bytes
  set KEY [VALUE]       store VALUE, or stdin when VALUE is omitted
  del KEY               delete KEY (absent is fine)
  list [PREFIX]         print the keys with PREFIX, one per line, sorted
  batch-get KEY...      print "KEY<TAB>VALUE" per hit; misses ("KEY<TAB><miss>")
                        and per-key errors go to stderr
  incr KEY [DELTA]      add DELTA (default 1, may be negative) to a decimal
                        counter and print the result; an absent counter
                        counts as 0, and decrements stop at 0

flags:
  --backend=URL         backend to use (default grpc://127.0.0.1:7070), e.g.
                        memory://, memcached://127.0.0.1:11211
  --ttl=DURATION        time to live for set and incr, e.g. 30s, 5m, 1h
  --help                print this help

exit codes: 0 ok, 1 not found (any key, for batch-get), 2 usage, 3 other error

health (an exec probe; see `kivi health --help`):
  kivi health --addr=HOST:PORT [--service=NAME] [--tls ...]
  kivi health --backend=URL
)";
}

std::string OpenFailureHint(const Invocation& invocation,
                            const absl::Status& status) {
  if (!absl::IsUnavailable(status) || invocation.backend != kDefaultBackend) {
    return "";
  }
  return absl::StrCat(
      "kivi: nothing answers at the default backend ", kDefaultBackend,
      ": start kivi-server there (kivi-server --backend=URL), or name the "
      "store with --backend=URL, e.g. --backend=memcached://127.0.0.1:11211\n");
}

}  // namespace kivi::cli
