#ifndef KIVI_BACKEND_H_
#define KIVI_BACKEND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kivi/async.h"
#include "kivi/capabilities.h"
#include "kivi/executor.h"
#include "kivi/results.h"

namespace kivi {

// A Backend stores opaque byte values under validated keys. It is what a
// storage module implements; applications use kivi::Client, which enforces
// the shared rules and then calls a Backend.
//
// Implementations are safe for concurrent use from many threads without
// external locking.
//
// What reaches a Backend has already passed core's rules (key_rules.h): keys
// are 1..250 bytes with no whitespace or control bytes and already carry the
// client's namespace prefix; values are within max_value_bytes; a TTL is
// zero (never expires) or positive, the client's default already applied.
// A Backend never re-validates them.
//
// Error contract, shared by every operation: a miss is NotFound; a store that
// cannot answer in time is DeadlineExceeded; one that cannot be reached is
// Unavailable. Such failures are never reported as a miss. Messages name the
// key and, for networked stores, the server.
class Backend {
 public:
  // Loads the value for GetOrSet on a miss.
  using Loader = absl::FunctionRef<absl::StatusOr<std::string>()>;

  virtual ~Backend() = default;

  // The operations this backend supports beyond the mandatory ones. Must be
  // constant for the lifetime of the backend.
  virtual Capabilities capabilities() const = 0;

  // Returns the value under `key`, or NotFound if there is none or it has
  // expired.
  virtual absl::StatusOr<std::string> Get(absl::string_view key) = 0;

  // Stores `value` under `key`, replacing any previous value and TTL. A zero
  // `ttl` means no expiry.
  virtual absl::Status Set(absl::string_view key, absl::string_view value,
                           absl::Duration ttl) = 0;

  // Removes `key`. Returns OK whether or not it was present.
  virtual absl::Status Delete(absl::string_view key) = 0;

  // Returns every live key that starts with `prefix` (full keys, prefix
  // included), in any order; the client sorts and strips the namespace.
  virtual absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) = 0;

  // Batch operations. `keys` holds no duplicates. Results are keyed by the
  // keys as given. Returns a non-OK status only when the batch as a whole
  // could not be attempted; per-key failures go in the result. The default
  // implementations loop over the single-key operations; networked backends
  // override them to pipeline.
  virtual absl::StatusOr<BatchGetResult> BatchGet(
      absl::Span<const std::string> keys);
  // `entries` holds no duplicate keys.
  virtual absl::StatusOr<BatchWriteResult> BatchSet(
      absl::Span<const KeyValue> entries, absl::Duration ttl);
  virtual absl::StatusOr<BatchWriteResult> BatchDelete(
      absl::Span<const std::string> keys);

  // Probes every endpoint, each within `timeout`, and reports them all.
  // Never blocks much longer than `timeout`.
  virtual HealthReport Health(absl::Duration timeout) = 0;

  // Returns the value under `key`; on a miss, calls `loader` and stores what
  // it returns with `ttl`. A loader error is returned and nothing is stored.
  // The default is Get + Set; memcached overrides it with its stampede
  // protection so that across processes only one caller runs the loader.
  // (In-process single-flight is the client's job.)
  virtual absl::StatusOr<std::string> GetOrSet(absl::string_view key,
                                               absl::Duration ttl,
                                               Loader loader);

  // Optional operations. Each is called only when capabilities() declares
  // it; the defaults return Unimplemented.

  // Stores only if `key` is absent; AlreadyExists otherwise. [add]
  virtual absl::Status Add(absl::string_view key, absl::string_view value,
                           absl::Duration ttl);
  // Stores only if `key` is present; NotFound otherwise. [replace]
  virtual absl::Status Replace(absl::string_view key, absl::string_view value,
                               absl::Duration ttl);
  // Adds `delta` (negative: subtracts) to the decimal unsigned 64-bit number
  // under `key`, stores the result as plain decimal digits and returns it.
  // Increments wrap modulo 2^64; decrements stop at 0 (memcached's rule).
  // The stored value is read as memcached reads it (strtoull): optional
  // leading whitespace, an optional sign, digits below 2^64, then the end,
  // a whitespace byte or a NUL; a '-' negates modulo 2^64 and is refused
  // unless that leaves a value below 2^63 ("-0" is 0, "-1" is not a number).
  // An absent key is created with `initial` (delta not applied) when
  // `create`, else NotFound. A value that is not a number is
  // FailedPrecondition. `ttl` applies only to a created entry. [increment]
  virtual absl::StatusOr<uint64_t> Increment(absl::string_view key,
                                             int64_t delta, uint64_t initial,
                                             bool create, absl::Duration ttl);
  // Returns the value and its current version; NotFound on a miss.
  // [compare_and_set]
  virtual absl::StatusOr<VersionedValue> GetVersioned(absl::string_view key);
  // Stores `value` only if the key's version is still `version`: Aborted if
  // it changed, NotFound if the key is gone. No version is ever 0, so 0 is
  // Aborted for a present key. [compare_and_set]
  virtual absl::Status CompareAndSet(absl::string_view key,
                                     absl::string_view value, uint64_t version,
                                     absl::Duration ttl);
  // Sets a new TTL on an existing key; NotFound if absent. [touch]
  virtual absl::Status Touch(absl::string_view key, absl::Duration ttl);
  // Get that also sets a new TTL; NotFound if absent. [touch]
  virtual absl::StatusOr<std::string> GetAndTouch(absl::string_view key,
                                                  absl::Duration ttl);
  // Appends/prepends bytes to an existing value, keeping its TTL; NotFound
  // if absent. The result must still fit max_value_bytes, which the client
  // cannot check; a backend answers InvalidArgument when it does not fit.
  // [append_prepend]
  virtual absl::Status Append(absl::string_view key, absl::string_view value);
  virtual absl::Status Prepend(absl::string_view key, absl::string_view value);
  // Invalidates every key of every endpoint after `delay` (zero: now). Note
  // this ignores namespaces: it empties the whole store. [flush]
  virtual absl::Status Flush(absl::Duration delay);
  // Returns each endpoint's counters. [stats]
  virtual absl::StatusOr<std::vector<EndpointStats>> Stats();

  // The endpoints' states as the backend sees them now, for monitoring
  // (e.g. kivi-server's /metrics); must not do I/O or block on calls in
  // flight. The default, for backends with nothing to tell: empty.
  virtual std::vector<EndpointState> EndpointStates() const;

  // Asynchronous calls (async.h).

  // Starts `request` and calls `done` exactly once with its reply, from
  // any thread (see Callback in async.h), never before the request was
  // attempted unless it fails at once. The request has passed core's rules
  // and capability checks, as for the synchronous methods; it is one of
  // the operations AsyncRequest lists.
  //
  // The default runs Execute() on `executor`, one of the client's bounded
  // pool's threads per call in flight, and calls `done` with
  // ResourceExhausted naming the limit when that pool's queue is full.
  // Networked backends override it to complete requests on their own
  // connections without a thread per call (a connection carries many
  // requests in flight), and pass what they do not multiplex to this
  // default.
  virtual void Submit(AsyncRequest request, AsyncDone done, Executor& executor);

  // Runs `request` with the synchronous methods above and returns its
  // reply.
  AsyncReply Execute(const AsyncRequest& request);
};

}  // namespace kivi

#endif  // KIVI_BACKEND_H_
