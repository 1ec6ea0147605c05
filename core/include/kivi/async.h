#ifndef KIVI_ASYNC_H_
#define KIVI_ASYNC_H_

// Asynchronous calls: the types shared by Client's *Async methods
// (client.h) and by the backends that complete them without a thread per
// call (Backend::Submit).
//
// Why callbacks rather than futures: a callback is what gRPC's callback
// API, event loops and coroutine adapters all consume, and it costs no
// thread while the call is in flight. A caller that wants a future wraps
// the callback in a std::promise; the reverse (a future that calls back)
// needs a thread or a polling loop per call.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kivi/observer.h"
#include "kivi/results.h"

namespace kivi {

// Receives one asynchronous call's result. Called exactly once, with the
// result moved in. Which thread calls it:
//  - the calling thread, before the *Async method returns, when the call
//    fails validation (InvalidArgument, Unimplemented) or its result is
//    known without I/O;
//  - otherwise a thread kivi owns (a connection's reader, or a thread of
//    the client's executor), or a caller's thread that was reading replies
//    for its own synchronous call and found this one's on the way.
// So a callback must not block for long: it holds up the replies of other
// calls behind it. It may start further calls, synchronous ones included.
template <typename T>
using Callback = absl::AnyInvocable<void(T) &&>;

// One Backend operation as data. It owns its arguments, so that the
// caller's views may end as soon as Submit returns. Which fields an
// operation reads:
//   Get, Delete, GetVersioned:          key
//   Set, Add, Replace, CompareAndSet:   key, value, ttl (+ version)
//   Touch, GetAndTouch:                 key, ttl
//   Append, Prepend:                    key, value
//   Increment (Decrement arrives as a negative delta):
//                                       key, delta, initial, create, ttl
//   List:                               key (the full prefix)
//   BatchGet, BatchDelete:              keys (no repeats)
//   BatchSet:                           entries (no repeated key), ttl
//   Flush:                              ttl (the delay)
//   Stats:                              nothing
// GetOrSet is never submitted: its loader is the caller's code.
struct AsyncRequest {
  Operation operation = Operation::kGet;
  std::string key;
  std::string value;
  absl::Duration ttl = absl::ZeroDuration();
  int64_t delta = 0;
  uint64_t initial = 0;
  bool create = false;
  uint64_t version = 0;
  std::vector<std::string> keys;
  std::vector<KeyValue> entries;
};

// One Backend operation's result. `status` is what the synchronous method
// returns (or the status of its StatusOr); when it is OK, the operation's
// field holds the value:
//   Get, GetAndTouch:  value
//   GetVersioned:      value, number (the version)
//   Increment:         number (the new count)
//   List:              keys (full keys, any order)
//   BatchGet:          batch_get
//   BatchSet, BatchDelete: batch_write
//   Stats:             stats
struct AsyncReply {
  absl::Status status;
  std::string value;
  uint64_t number = 0;
  std::vector<std::string> keys;
  BatchGetResult batch_get;
  BatchWriteResult batch_write;
  std::vector<EndpointStats> stats;
};

using AsyncDone = absl::AnyInvocable<void(AsyncReply) &&>;

}  // namespace kivi

#endif  // KIVI_ASYNC_H_
