#ifndef KIVI_OPTIONS_H_
#define KIVI_OPTIONS_H_

#include <cstdint>

#include "absl/time/time.h"

namespace kivi {

// Options for one write. Zero-initialised fields mean "use the client's
// configured default", so `{}` is always a sensible argument.
struct SetOptions {
  // Time to live. Zero means the client's `default_ttl` (itself zero means
  // the entry never expires). Negative or over kMaxTtl (365 days,
  // key_rules.h) is InvalidArgument. Backends with a coarse clock
  // (memcached: whole seconds) round up, never down, so an entry never
  // expires earlier than asked (see Capabilities::ttl_resolution).
  absl::Duration ttl = absl::ZeroDuration();
};

// Options for Increment.
struct IncrementOptions {
  // Value stored when the key is absent and `create` is true. The delta is
  // not applied to it: a first Increment(k, 5, {.initial = 10}) returns 10.
  uint64_t initial = 0;
  // When false, Increment of an absent key is NotFound.
  bool create = true;
  // TTL of an entry created by this call (same rules as SetOptions::ttl).
  // An existing entry keeps its TTL.
  absl::Duration ttl = absl::ZeroDuration();
};

}  // namespace kivi

#endif  // KIVI_OPTIONS_H_
