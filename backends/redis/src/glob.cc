#include "backends/redis/src/glob.h"

#include <string>

namespace kivi::redis {

std::string PrefixPattern(absl::string_view prefix) {
  std::string pattern;
  pattern.reserve(prefix.size() + 8);
  for (const char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      pattern.push_back('\\');
    }
    pattern.push_back(c);
  }
  pattern.push_back('*');
  return pattern;
}

}  // namespace kivi::redis
