#include "src/flags_help.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace kivi::cli {
namespace {

bool AsksForHelp(absl::string_view arg) {
  return arg == "--help" || arg == "-help" || arg == "--helpfull" ||
         arg == "-helpfull" || arg == "--helpshort" || arg == "-helpshort" ||
         arg == "-h";
}

bool DefinedIn(const absl::CommandLineFlag& flag,
               absl::Span<const absl::string_view> sources) {
  const std::string file = flag.Filename();
  return std::any_of(sources.begin(), sources.end(), [&](absl::string_view s) {
    return absl::StrContains(file, s);
  });
}

}  // namespace

bool PrintFlagsHelpIfAsked(absl::Span<const char* const> args,
                           absl::string_view usage,
                           absl::Span<const absl::string_view> sources,
                           std::FILE* out) {
  bool asked = false;
  for (const char* arg : args) {
    if (absl::string_view(arg) == "--") break;
    if (AsksForHelp(arg)) asked = true;
  }
  if (!asked) return false;
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (DefinedIn(*flag, sources)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  absl::FPrintF(out, "%s\n\nflags:\n", usage);
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string default_value = flag->DefaultValue();
    absl::FPrintF(out, "  --%s=%s\n      %s\n", flag->Name(),
                  default_value.empty() ? "\"\"" : default_value, flag->Help());
  }
  return true;
}

}  // namespace kivi::cli
