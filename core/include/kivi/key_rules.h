#ifndef KIVI_KEY_RULES_H_
#define KIVI_KEY_RULES_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kivi {

// The rules every backend shares. The client checks them before any I/O, so
// a rejected call leaves stored data untouched; backends never re-check.

// Longest stored key, namespace prefix included (memcached's limit).
inline constexpr size_t kMaxKeyBytes = 250;

// Default largest value: what a default memcached server (-I 1m) stores
// under the longest key, rounded down to leave room for its item header.
// The same on every backend, so swapping backends never changes what is
// accepted.
inline constexpr size_t kDefaultMaxValueBytes = (size_t{1} << 20) - 1024;

// Longest TTL, default_ttl and Flush delay: 365 days, on every backend.
// memcached takes an expiry over 30 days as an absolute unix time in a
// signed 32-bit field, so an expiry after 2038-01-19 03:14:07 UTC wraps and
// the item is dead at once (acknowledged, then gone). A fixed bound keeps
// the rule the same on every backend and at every moment: with it, every
// accepted TTL is representable until 2037-01-19. Zero (no expiry) is the
// way to keep an entry indefinitely.
inline constexpr absl::Duration kMaxTtl = absl::Hours(24 * 365);

// OK if `full_key` (namespace prefix included) is 1..kMaxKeyBytes bytes with
// no ASCII whitespace or control byte (0x00-0x20, 0x7f). Otherwise
// InvalidArgument naming the key (escaped) and the rule, e.g.
//   key "a b" contains whitespace (byte 1)
// `user_key` is the caller's key, named in the message.
absl::Status ValidateKey(absl::string_view user_key,
                         absl::string_view full_key);

// OK if `value` has at most `max_value_bytes` bytes; otherwise
// InvalidArgument naming the key, the size and the limit.
absl::Status ValidateValue(absl::string_view user_key, absl::string_view value,
                           size_t max_value_bytes);

// OK if `ttl` is zero or positive and at most kMaxTtl; otherwise
// InvalidArgument naming the key (and the limit when over it). An infinite
// TTL is over the limit: zero is "no expiry".
absl::Status ValidateTtl(absl::string_view user_key, absl::Duration ttl);

// The same rule for a Flush delay (zero: now) and for the URL's
// default_ttl; `what` names it in the message ("flush delay").
absl::Status ValidateDelay(absl::string_view what, absl::Duration delay);

// Renders a key for an error message: printable bytes as they are, others
// as \xNN, cut at 64 bytes with "...".
std::string QuoteKey(absl::string_view key);

}  // namespace kivi

#endif  // KIVI_KEY_RULES_H_
