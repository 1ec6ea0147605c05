#ifndef KIVI_OBSERVER_H_
#define KIVI_OBSERVER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace kivi {

// The Client calls an observer reports. Health is not one: the health
// checker (kivi/health) has its own reporting.
enum class Operation : uint8_t {
  kGet,
  kSet,
  kDelete,
  kList,
  kBatchGet,
  kBatchSet,
  kBatchDelete,
  kGetOrSet,
  kAdd,
  kReplace,
  kIncrement,
  kDecrement,
  kGetVersioned,
  kCompareAndSet,
  kTouch,
  kGetAndTouch,
  kAppend,
  kPrepend,
  kFlush,
  kStats,
};
inline constexpr int kOperationCount = static_cast<int>(Operation::kStats) + 1;

// The Client method's name: "Get", "BatchSet", ...
absl::string_view OperationName(Operation operation);

// True for the operations that report a WriteEvent: those that store,
// change or remove values (Set, Delete, BatchSet, BatchDelete, Add, Replace,
// Increment, Decrement, CompareAndSet, Append, Prepend, Flush). Touch and
// GetAndTouch change only an expiry, and GetOrSet's fill of a miss is the
// application's own loader at work, so those three are not writes.
bool IsWrite(Operation operation);

// One completed Client call.
struct OperationEvent {
  Operation operation;
  // The backend, as the URL's scheme names it ("memory", "memcached", ...);
  // empty for a Client built without a registry.
  absl::string_view backend;
  // The keys the call named (a batch: as given, repeats included); 0 for
  // List, Flush and Stats.
  size_t keys = 0;
  // The call's status; for a batch, of the batch as a whole (per-key
  // failures are in failed_keys).
  absl::StatusCode code = absl::StatusCode::kOk;
  // From entry into the Client call to its return, argument checks
  // included.
  absl::Duration latency;
  // Get, GetAndTouch, GetVersioned and BatchGet: keys found and keys
  // missing (a failed key is neither). Zero for other operations.
  size_t hits = 0;
  size_t misses = 0;
  // BatchGet, BatchSet, BatchDelete: keys whose own server failed.
  size_t failed_keys = 0;
};

// One completed write call (see IsWrite), for applications that keep state
// derived from stored values and must invalidate it. Every write call
// reports exactly one WriteEvent, whatever its outcome, after its
// OperationEvent.
//
// What changed, by `status`:
// - OK: every key in `keys` not in `failed` was written as the operation
//   says (for Delete and BatchDelete: is now absent);
// - a code the operation's contract gives for a refusal (InvalidArgument or
//   Unimplemented before any I/O, AlreadyExists for Add, NotFound for
//   Replace, Increment without create, Append and Prepend, Aborted for
//   CompareAndSet): nothing changed;
// - anything else (Unavailable, DeadlineExceeded, Internal, ...): the
//   write may or may not have taken effect (a timeout after the request
//   was sent, for one), so derived state should be treated as stale. The
//   same holds for the keys in `failed`.
struct WriteEvent {
  Operation operation;
  absl::string_view backend;
  // The caller's keys (no namespace), as given; empty for Flush.
  absl::Span<const absl::string_view> keys;
  // Flush: every key of the store changed, whatever its namespace.
  bool all_keys = false;
  absl::Status status;
  // BatchSet and BatchDelete: keys whose write failed, with why. Null for
  // other operations and when the batch failed as a whole.
  const absl::flat_hash_map<std::string, absl::Status>* failed = nullptr;
};

// Receives a Client's events. Set one at open time (OpenOptions::observer
// in kivi/registry.h, or ClientOptions::observer); a Client without one
// pays a single predictable branch per call.
//
// Calls come on the calling thread, after the backend answered and before
// the Client call returns, from many threads at once: implementations must
// be thread-safe and quick, and must not call back into the Client. The
// events' views are valid only during the call.
class ClientObserver {
 public:
  virtual ~ClientObserver() = default;

  // Once per completed call, failed or not.
  virtual void OnOperation(const OperationEvent& event) {}
  // Once per completed write call, after its OnOperation.
  virtual void OnWrite(const WriteEvent& event) {}
};

}  // namespace kivi

#endif  // KIVI_OBSERVER_H_
