#ifndef KIVI_COUNTER_H_
#define KIVI_COUNTER_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace kivi {

// The counter rules of Backend::Increment, for backends that do the
// arithmetic in process (the embedded stores) rather than in a server.

// Reads a stored counter exactly as memcached does (strtoull in base 10,
// then its own checks), so that every backend agrees on what Increment
// accepts: optional leading ASCII whitespace, an optional '+' or '-', at
// least one decimal digit with a value below 2^64, then the end of the
// value, a whitespace byte or a NUL (whatever follows is ignored). A '-'
// negates modulo 2^64 and is refused when the result is 2^63 or more, so
// "-0" reads as 0 and "-1" is not a counter. Anything else, including an
// empty value, is not a counter: nullopt.
absl::optional<uint64_t> ParseCounter(absl::string_view text);

// Memcached's arithmetic: increments wrap modulo 2^64, decrements (negative
// `delta`) stop at 0.
uint64_t ApplyCounterDelta(uint64_t value, int64_t delta);

}  // namespace kivi

#endif  // KIVI_COUNTER_H_
