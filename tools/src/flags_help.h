#ifndef KIVI_TOOLS_SRC_FLAGS_HELP_H_
#define KIVI_TOOLS_SRC_FLAGS_HELP_H_

#include <cstdio>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace kivi::cli {

// --help for programs whose flags are absl flags (kivi-server, kivi-bench).
// absl's own --help (this Debian's 20220623) lists only flags defined in a
// file named after the program, prints "No flags matched" otherwise, and
// exits 1 either way; a user asking for help must get the flags and 0.
//
// If `args` (argv without the program name) asks for help before any "--"
// (--help, -help, --helpfull, --helpshort, -h), prints `usage`, then every
// flag defined in a source file whose path contains one of `sources`
// (e.g. "server/kivi_server_main.cc"), sorted by name, with its meaning and
// default, to `out`, and returns true. Returns false and prints nothing
// otherwise.
bool PrintFlagsHelpIfAsked(absl::Span<const char* const> args,
                           absl::string_view usage,
                           absl::Span<const absl::string_view> sources,
                           std::FILE* out);

}  // namespace kivi::cli

#endif  // KIVI_TOOLS_SRC_FLAGS_HELP_H_
