#ifndef KIVI_COUNTER_H_
#define KIVI_COUNTER_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace kivi {

// The counter rules of Backend::Increment, for backends that do the
// arithmetic in process (the embedded stores) rather than in a server.

// Reads a stored counter: 1 to 20 ASCII digits whose value fits in 64 bits
// (leading zeros allowed, as memcached allows them). Anything else,
// including an empty value or a sign, is not a counter: nullopt.
absl::optional<uint64_t> ParseCounter(absl::string_view text);

// Memcached's arithmetic: increments wrap modulo 2^64, decrements (negative
// `delta`) stop at 0.
uint64_t ApplyCounterDelta(uint64_t value, int64_t delta);

}  // namespace kivi

#endif  // KIVI_COUNTER_H_
