#ifndef KIVI_BACKENDS_REDIS_SRC_GLOB_H_
#define KIVI_BACKENDS_REDIS_SRC_GLOB_H_

#include <string>

#include "absl/strings/string_view.h"

namespace kivi::redis {

// The SCAN MATCH pattern for keys starting with `prefix`: the prefix with
// every glob metacharacter ('*', '?', '[', ']', '\') escaped by a
// backslash, then '*'. So a prefix is matched literally, never as a pattern.
std::string PrefixPattern(absl::string_view prefix);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_GLOB_H_
