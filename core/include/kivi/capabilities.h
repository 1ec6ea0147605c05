#ifndef KIVI_CAPABILITIES_H_
#define KIVI_CAPABILITIES_H_

#include <string>

#include "absl/time/time.h"

namespace kivi {

// What a backend supports beyond the operations every backend has
// (Set/Get/Delete/List/Batch*/Health). The client answers Unimplemented for
// an operation whose capability is false, without calling the backend. The
// conformance suite runs the optional cases for exactly the capabilities
// declared here, and fails a backend that declares one it cannot honour.
struct Capabilities {
  bool add = false;              // Add: store only if absent.
  bool replace = false;          // Replace: store only if present.
  bool increment = false;        // Increment / Decrement.
  bool compare_and_set = false;  // GetVersioned / CompareAndSet.
  bool touch = false;            // Touch and GetAndTouch.
  bool append_prepend = false;   // Append / Prepend.
  bool flush = false;            // Flush.
  // Flush with a delay (memcached's "flush_all <delay>"): only a store that
  // can schedule the invalidation itself honours it; a client-side timer
  // would die with the process. Without it, Flush(delay > 0) is
  // Unimplemented and Flush() still works.
  bool delayed_flush = false;
  bool stats = false;            // Stats.

  // The finest TTL the backend honours. An entry lives at least its TTL and
  // is gone less than 2 x ttl_resolution after it (memcached, 1.5s: its
  // clock ticks in whole seconds, a little late each time, so a TTL is sent
  // rounded up plus two ticks); the conformance suite scales its expiry
  // waits by it.
  absl::Duration ttl_resolution = absl::Seconds(1);

  // The capabilities as "add,replace,…", for logs and test names.
  std::string ToString() const;

  // A backend with every optional operation (ttl_resolution unchanged).
  static Capabilities All();
};

}  // namespace kivi

#endif  // KIVI_CAPABILITIES_H_
