#ifndef KIVI_CLIENT_H_
#define KIVI_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kivi/async.h"
#include "kivi/backend.h"
#include "kivi/capabilities.h"
#include "kivi/executor.h"
#include "kivi/key_rules.h"
#include "kivi/observer.h"
#include "kivi/options.h"
#include "kivi/results.h"

namespace kivi {

// Settings shared by every backend, read by core from the URL's query
// (`namespace`, `default_ttl`, `max_value_bytes`) before the backend sees
// the rest.
struct ClientOptions {
  // Prepended to every key; stripped from keys List and batches return.
  std::string key_namespace;
  // TTL used when a call passes zero. Zero: no expiry.
  absl::Duration default_ttl = absl::ZeroDuration();
  // Largest accepted value.
  size_t max_value_bytes = kDefaultMaxValueBytes;
  // Told of every call (observer.h). Null: no observer, at the cost of one
  // predictable branch per call.
  std::shared_ptr<ClientObserver> observer;
  // How events name the backend: the URL's scheme when opened by a
  // BackendRegistry.
  std::string backend_name;
  // The pool that runs asynchronous calls on backends without a native
  // way to run them (Backend::Submit); no thread starts until one is made.
  ExecutorOptions executor;
};

// The application's handle to a key-value store. A Client checks every
// argument against the shared rules (key_rules.h) before any I/O, applies
// the namespace and default TTL, and forwards to its Backend; swapping the
// backend never changes what is accepted or what a call returns.
//
// Thread-safe: share one Client per process. Obtain one from kivi::Open()
// (kivi/kivi.h) or from a BackendRegistry.
//
// Every call returns, on bad input, InvalidArgument naming the key and rule
// (nothing is sent and stored data is untouched); on a miss, NotFound; when
// the store is unreachable or slow, Unavailable or DeadlineExceeded (never a
// miss). Optional operations return Unimplemented when the backend does not
// declare their capability.
class Client {
 public:
  using Loader = absl::FunctionRef<absl::StatusOr<std::string>()>;

  Client(std::unique_ptr<Backend> backend, ClientOptions options);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  // Waits until every asynchronous call has completed (its callback has
  // returned), calls their callbacks start included; each call ends by its
  // deadline, so the wait is bounded. So a callback never runs on a
  // destroyed client, and what callbacks touch need only outlive it.
  ~Client();

  // Stores `value` under `key`, replacing any previous value.
  absl::Status Set(absl::string_view key, absl::string_view value,
                   const SetOptions& options = {});
  // Returns the value under `key`; NotFound on a miss or after expiry.
  absl::StatusOr<std::string> Get(absl::string_view key);
  // Removes `key`; OK whether or not it was present.
  absl::Status Delete(absl::string_view key);
  // Returns the live keys that start with `prefix`, namespace stripped,
  // sorted bytewise. An empty prefix lists the whole namespace.
  absl::StatusOr<std::vector<std::string>> List(absl::string_view prefix = "");

  // Gets many keys at once; duplicates are looked up once. See
  // BatchGetResult for how hits, misses and per-key failures are reported.
  // An invalid key fails the whole batch with InvalidArgument before any I/O;
  // the message starts with the key's position, "keys[3]: key ...".
  absl::StatusOr<BatchGetResult> BatchGet(absl::Span<const std::string> keys);
  // Stores many pairs; when a key repeats, its last value wins. Any invalid
  // key or oversize value fails the whole batch before any I/O, the message
  // naming the entry ("entries[3]: ...").
  absl::StatusOr<BatchWriteResult> BatchSet(absl::Span<const KeyValue> entries,
                                            const SetOptions& options = {});
  // Deletes many keys; absent keys are not failures. An invalid key fails
  // the whole batch as in BatchGet ("keys[3]: ...").
  absl::StatusOr<BatchWriteResult> BatchDelete(
      absl::Span<const std::string> keys);

  // Cache-aside with single-flight: returns the value under `key`; on a miss
  // calls `loader`, stores its value with `ttl` (zero: default TTL) and
  // returns it. Concurrent misses of one key in this process run the loader
  // once and all receive its result; a loader error reaches every waiter and
  // is not stored. A failure to store the loaded value is not an error: the
  // value is still returned.
  //
  // A loader that throws is treated as a failed load: nothing is stored,
  // the key's flight ends (the next call loads afresh), every waiter gets
  // Aborted naming the key, and the exception itself propagates, unchanged,
  // to the caller whose loader threw; kivi adds no exception of its own.
  // Why not swallow it: the exception is the caller's, and turning it into a
  // status would hide its type from the code that can handle it. Why not
  // rethrow it in the waiters: one exception object rethrown in several
  // threads at once is a data race for most exception types.
  absl::StatusOr<std::string> GetOrSet(absl::string_view key,
                                       absl::Duration ttl, Loader loader);

  // Probes the backend's endpoints, each within `timeout`.
  HealthReport Health(absl::Duration timeout = absl::Seconds(1));

  // Optional operations; contracts as in backend.h. Unimplemented when the
  // backend lacks the capability named in brackets.
  absl::Status Add(absl::string_view key, absl::string_view value,
                   const SetOptions& options = {});  // [add]
  absl::Status Replace(absl::string_view key, absl::string_view value,
                       const SetOptions& options = {});  // [replace]
  absl::StatusOr<uint64_t> Increment(absl::string_view key, int64_t delta = 1,
                                     const IncrementOptions& options = {});
  absl::StatusOr<uint64_t> Decrement(absl::string_view key, int64_t delta = 1,
                                     const IncrementOptions& options = {});
  absl::StatusOr<VersionedValue> GetVersioned(absl::string_view key);
  absl::Status CompareAndSet(absl::string_view key, absl::string_view value,
                             uint64_t version, const SetOptions& options = {});
  absl::Status Touch(absl::string_view key, absl::Duration ttl);  // [touch]
  absl::StatusOr<std::string> GetAndTouch(absl::string_view key,
                                          absl::Duration ttl);  // [touch]
  absl::Status Append(absl::string_view key, absl::string_view value);
  absl::Status Prepend(absl::string_view key, absl::string_view value);
  absl::Status Flush(absl::Duration delay = absl::ZeroDuration());  // [flush]
  absl::StatusOr<std::vector<EndpointStats>> Stats();               // [stats]

  // Asynchronous calls: the same operations, rules and results as the
  // synchronous methods above, delivered to `done` (see Callback in
  // async.h for which thread calls it). The arguments are validated
  // before the method returns, and a call that breaks a rule calls `done`
  // with InvalidArgument (or Unimplemented) at once, before any I/O; every
  // argument is copied, so the caller's strings may go away as soon as
  // the method returns. No thread is made or held per call: memcached://,
  // redis:// and grpc:// carry many calls in flight on each connection;
  // memory:// completes calls on the calling thread (it never waits on
  // I/O); other backends run calls on the client's bounded executor
  // (ClientOptions::executor), and a call that finds its queue full gets
  // ResourceExhausted. The observer sees each call once, when it
  // completes.
  void GetAsync(absl::string_view key,
                Callback<absl::StatusOr<std::string>> done);
  void SetAsync(absl::string_view key, absl::string_view value,
                const SetOptions& options, Callback<absl::Status> done);
  void DeleteAsync(absl::string_view key, Callback<absl::Status> done);
  void ListAsync(absl::string_view prefix,
                 Callback<absl::StatusOr<std::vector<std::string>>> done);
  void BatchGetAsync(absl::Span<const std::string> keys,
                     Callback<absl::StatusOr<BatchGetResult>> done);
  void BatchSetAsync(absl::Span<const KeyValue> entries,
                     const SetOptions& options,
                     Callback<absl::StatusOr<BatchWriteResult>> done);
  void BatchDeleteAsync(absl::Span<const std::string> keys,
                        Callback<absl::StatusOr<BatchWriteResult>> done);
  void AddAsync(absl::string_view key, absl::string_view value,
                const SetOptions& options, Callback<absl::Status> done);
  void ReplaceAsync(absl::string_view key, absl::string_view value,
                    const SetOptions& options, Callback<absl::Status> done);
  void IncrementAsync(absl::string_view key, int64_t delta,
                      const IncrementOptions& options,
                      Callback<absl::StatusOr<uint64_t>> done);
  void DecrementAsync(absl::string_view key, int64_t delta,
                      const IncrementOptions& options,
                      Callback<absl::StatusOr<uint64_t>> done);
  void GetVersionedAsync(absl::string_view key,
                         Callback<absl::StatusOr<VersionedValue>> done);
  void CompareAndSetAsync(absl::string_view key, absl::string_view value,
                          uint64_t version, const SetOptions& options,
                          Callback<absl::Status> done);
  void TouchAsync(absl::string_view key, absl::Duration ttl,
                  Callback<absl::Status> done);
  void GetAndTouchAsync(absl::string_view key, absl::Duration ttl,
                        Callback<absl::StatusOr<std::string>> done);
  void AppendAsync(absl::string_view key, absl::string_view value,
                   Callback<absl::Status> done);
  void PrependAsync(absl::string_view key, absl::string_view value,
                    Callback<absl::Status> done);
  void FlushAsync(absl::Duration delay, Callback<absl::Status> done);
  void StatsAsync(Callback<absl::StatusOr<std::vector<EndpointStats>>> done);
  // Health on the executor: probes wait on their own deadlines, which
  // Health bounds by `timeout`.
  void HealthAsync(absl::Duration timeout, Callback<HealthReport> done);

  Capabilities capabilities() const { return capabilities_; }
  const ClientOptions& options() const { return options_; }
  // The backend, for backend-specific operations.
  Backend& backend() { return *backend_; }
  // The backend's endpoints as it sees them now (Backend::EndpointStates),
  // for monitoring; no I/O.
  std::vector<EndpointState> EndpointStates() const {
    return backend_->EndpointStates();
  }

 private:
  struct Flight;
  // A validated write: the backend's key (pointing into `buffer` when the
  // client has a namespace) and the TTL to store with.
  struct PreparedWrite {
    std::string buffer;
    absl::string_view key;
    absl::Duration ttl;
  };

  // Validates `key` and returns the key the backend sees: `key` itself when
  // the client has no namespace (no copy), else namespace + key written
  // into `*buffer`, which the result points into.
  absl::StatusOr<absl::string_view> FullKey(absl::string_view key,
                                            std::string* buffer) const;
  // Validates key, value and TTL of a write into `*out`, applying namespace
  // and default.
  absl::Status PrepareWrite(absl::string_view key, absl::string_view value,
                            absl::Duration ttl, PreparedWrite* out) const;
  // Validates a TTL and applies the default.
  absl::StatusOr<absl::Duration> EffectiveTtl(absl::string_view key,
                                              absl::Duration ttl) const;
  absl::Status Require(bool capability, absl::string_view operation) const;
  std::string StripNamespace(absl::string_view full_key) const;
  // Validates a batch's keys (the message naming the entry, "keys[3]: ")
  // and returns them with the namespace applied, each once.
  absl::Status PrepareKeys(absl::Span<const std::string> keys,
                           std::vector<std::string>* full_keys) const;
  // Validates a batch's entries ("entries[3]: ") and returns them with the
  // namespace applied, each key once with its last value, and the TTL.
  absl::Status PrepareEntries(absl::Span<const KeyValue> entries,
                              absl::Duration ttl, std::vector<KeyValue>* out,
                              absl::Duration* effective_ttl) const;
  // A backend's List result for the full prefix `full`: the keys under it,
  // namespace stripped, sorted, each once.
  std::vector<std::string> ListedKeys(
      const std::string& full, const std::vector<std::string>& keys) const;
  // A batch result with the namespace stripped from its keys.
  BatchGetResult WithoutNamespace(BatchGetResult raw) const;
  BatchWriteResult WithoutNamespace(BatchWriteResult raw) const;
  // The error for Decrement by a negative delta.
  static absl::Status NegativeDecrement(absl::string_view key, int64_t delta);
  // Capability and delay checks of Flush.
  absl::Status CheckFlush(absl::Duration delay) const;
  // Increment without its report, shared by Increment and Decrement.
  absl::StatusOr<uint64_t> IncrementBy(absl::string_view key, int64_t delta,
                                       const IncrementOptions& options);

  // The keys of an observed call, as the caller gave them: one key, a
  // list, batch entries, or none.
  struct NoKeys {};
  struct ObservedKeys {
    explicit ObservedKeys(NoKeys) {}
    explicit ObservedKeys(absl::string_view key) : count(1), one(key) {}
    explicit ObservedKeys(absl::Span<const std::string> keys)
        : count(keys.size()), many(keys) {}
    explicit ObservedKeys(absl::Span<const KeyValue> entries)
        : count(entries.size()), entries(entries) {}

    size_t count = 0;
    absl::string_view one;
    absl::Span<const std::string> many;
    absl::Span<const KeyValue> entries;
  };
  // What an observer learns from a call's result beyond its status.
  struct Outcome {
    const BatchGetResult* batch_get = nullptr;
    const BatchWriteResult* batch_write = nullptr;
  };
  // Runs `body`, the call's work, and reports it through ObserveSlow when
  // there is an observer. `keys` is what ObservedKeys is made from, so that
  // a call without an observer builds nothing.
  template <typename Keys, typename Body>
  auto Observe(Operation operation, Keys keys, Body body) -> decltype(body());
  template <typename Body>
  auto ObserveSlow(Operation operation, const ObservedKeys& keys, Body body)
      -> decltype(body());
  // Sends the OperationEvent (and WriteEvent) of a call that began at
  // `start`.
  void Report(Operation operation, const ObservedKeys& keys, absl::Time start,
              const absl::Status& status, const Outcome& outcome) const;

  // Asynchronous calls (client_async.cc).
  struct AsyncObservation;
  // Submits `request` to the backend, or when it is an error (failed
  // validation) completes the call with it at once; `convert` turns the
  // reply into `done`'s argument. Reports the call when it completes.
  template <typename T, typename Convert>
  void Start(Operation operation, ObservedKeys observed,
             absl::StatusOr<AsyncRequest> request, Convert convert,
             Callback<T> done);
  // Ends an asynchronous call whose callback has returned.
  void EndCall();
  // `build()` when `capability`, else Unimplemented naming `operation`.
  template <typename Build>
  absl::StatusOr<AsyncRequest> IfCapable(bool capability,
                                         absl::string_view operation,
                                         Build build) const;
  // Validated requests, shared by the operations of one shape.
  absl::StatusOr<AsyncRequest> KeyRequest(Operation operation,
                                          absl::string_view key) const;
  absl::StatusOr<AsyncRequest> WriteRequest(Operation operation,
                                            absl::string_view key,
                                            absl::string_view value,
                                            absl::Duration ttl) const;
  absl::StatusOr<AsyncRequest> KeysRequest(
      Operation operation, absl::Span<const std::string> keys) const;
  absl::StatusOr<AsyncRequest> IncrementRequest(
      absl::string_view key, int64_t delta,
      const IncrementOptions& options) const;
  absl::StatusOr<AsyncRequest> TouchRequest(Operation operation,
                                            absl::string_view key,
                                            absl::Duration ttl) const;
  absl::StatusOr<AsyncRequest> ConcatenateRequest(
      Operation operation, absl::string_view key,
      absl::string_view value) const;

  std::unique_ptr<Backend> backend_;
  const ClientOptions options_;
  const Capabilities capabilities_;
  ClientObserver* const observer_;  // options_.observer, read on every call.

  absl::Mutex flights_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_
      ABSL_GUARDED_BY(flights_mu_);

  // Asynchronous calls started and not yet called back; the destructor
  // waits (std::atomic::wait) for zero.
  std::atomic<int64_t> in_flight_{0};
  // Last, so that it is destroyed first: its destructor runs the calls
  // still queued, which use the backend.
  Executor executor_;
};

}  // namespace kivi

#endif  // KIVI_CLIENT_H_
