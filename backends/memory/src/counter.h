#ifndef KIVI_BACKENDS_MEMORY_SRC_COUNTER_H_
#define KIVI_BACKENDS_MEMORY_SRC_COUNTER_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace kivi::memory_internal {

// Reads a stored counter: 1 to 20 ASCII digits whose value fits in 64 bits
// (leading zeros allowed, as memcached allows them). Anything else,
// including an empty value or a sign, is not a counter: nullopt.
absl::optional<uint64_t> ParseCounter(absl::string_view text);

// Memcached's arithmetic: increments wrap modulo 2^64, decrements (negative
// `delta`) stop at 0.
uint64_t ApplyDelta(uint64_t value, int64_t delta);

}  // namespace kivi::memory_internal

#endif  // KIVI_BACKENDS_MEMORY_SRC_COUNTER_H_
