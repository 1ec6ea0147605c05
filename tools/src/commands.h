#ifndef KIVI_TOOLS_SRC_COMMANDS_H_
#define KIVI_TOOLS_SRC_COMMANDS_H_

#include <cstdio>

#include "kivi/client.h"
#include "src/command_line.h"

namespace kivi::cli {

// Runs a parsed command (not help) against `client`: reads a set's value
// from `in` when needed, writes results to `out` and failures to `err`,
// and returns the exit code (kExitOk, kExitNotFound or kExitError;
// kExitUsage for a command ParseCommandLine would not have accepted).
int RunCommand(const Invocation& invocation, Client& client, std::FILE* in,
               std::FILE* out, std::FILE* err);

}  // namespace kivi::cli

#endif  // KIVI_TOOLS_SRC_COMMANDS_H_
