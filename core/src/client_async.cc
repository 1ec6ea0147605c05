// Client's asynchronous calls: each validates as its synchronous twin does,
// builds an AsyncRequest and hands it to Backend::Submit; one template
// (Start) turns the reply into the caller's type and reports it.

#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "kivi/client.h"
#include "kivi/status_macros.h"

namespace kivi {
namespace {

absl::StatusOr<std::string> ValueOf(AsyncReply& reply) {
  if (!reply.status.ok()) return reply.status;
  return std::move(reply.value);
}

absl::Status StatusOf(AsyncReply& reply) { return reply.status; }

absl::StatusOr<uint64_t> NumberOf(AsyncReply& reply) {
  if (!reply.status.ok()) return reply.status;
  return reply.number;
}

}  // namespace

// What an asynchronous call keeps for its observer until it completes:
// the caller's keys, copied, since the caller's views end when the *Async
// method returns. Built only when the client has an observer.
struct Client::AsyncObservation {
  Operation operation;
  absl::Time start;
  std::vector<std::string> keys;
  bool single = false;
};

template <typename T, typename Convert>
void Client::Start(Operation operation, ObservedKeys observed,
                   absl::StatusOr<AsyncRequest> request, Convert convert,
                   Callback<T> done) {
  std::unique_ptr<AsyncObservation> observation;
  if (ABSL_PREDICT_FALSE(observer_ != nullptr)) {
    observation = std::make_unique<AsyncObservation>();
    observation->operation = operation;
    observation->start = absl::Now();
    observation->single = observed.count == 1 && observed.many.empty() &&
                          observed.entries.empty();
    if (observation->single) observation->keys.emplace_back(observed.one);
    for (const std::string& key : observed.many) {
      observation->keys.push_back(key);
    }
    for (const KeyValue& entry : observed.entries) {
      observation->keys.push_back(entry.key);
    }
  }
  // Runs once the reply is in: converts, reports, calls back.
  auto finish = [this, observation = std::move(observation),
                 convert = std::move(convert),
                 done = std::move(done)](AsyncReply reply) mutable {
    T result = convert(reply);
    if (observation != nullptr) {
      const absl::Span<const std::string> keys = observation->keys;
      ObservedKeys reported = observation->single
                                  ? ObservedKeys(absl::string_view(keys[0]))
                                  : ObservedKeys(keys);
      Outcome outcome;
      absl::Status status;
      if constexpr (std::is_same_v<T, absl::Status>) {
        status = result;
      } else {
        status = result.status();
        if constexpr (std::is_same_v<T, absl::StatusOr<BatchGetResult>>) {
          if (result.ok()) outcome.batch_get = &*result;
        } else if constexpr (std::is_same_v<T,
                                            absl::StatusOr<BatchWriteResult>>) {
          if (result.ok()) outcome.batch_write = &*result;
        }
      }
      Report(observation->operation, reported, observation->start, status,
             outcome);
    }
    std::move(done)(std::move(result));
    EndCall();
  };
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  if (!request.ok()) {
    AsyncReply refused;
    refused.status = request.status();
    finish(std::move(refused));
    return;
  }
  backend_->Submit(*std::move(request), std::move(finish), executor_);
}

void Client::EndCall() {
  // The last call out wakes a destructor that may be waiting; notify_all
  // is a no-op without waiters.
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    in_flight_.notify_all();
  }
}

absl::StatusOr<AsyncRequest> Client::KeyRequest(Operation operation,
                                                absl::string_view key) const {
  AsyncRequest request;
  request.operation = operation;
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  request.key.assign(full.data(), full.size());
  return request;
}

absl::StatusOr<AsyncRequest> Client::WriteRequest(Operation operation,
                                                  absl::string_view key,
                                                  absl::string_view value,
                                                  absl::Duration ttl) const {
  AsyncRequest request;
  request.operation = operation;
  PreparedWrite w;
  KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, ttl, &w));
  request.key.assign(w.key.data(), w.key.size());
  request.value.assign(value.data(), value.size());
  request.ttl = w.ttl;
  return request;
}

void Client::GetAsync(absl::string_view key,
                      Callback<absl::StatusOr<std::string>> done) {
  Start(Operation::kGet, ObservedKeys(key), KeyRequest(Operation::kGet, key),
        ValueOf, std::move(done));
}

void Client::SetAsync(absl::string_view key, absl::string_view value,
                      const SetOptions& options, Callback<absl::Status> done) {
  Start(Operation::kSet, ObservedKeys(key),
        WriteRequest(Operation::kSet, key, value, options.ttl), StatusOf,
        std::move(done));
}

void Client::DeleteAsync(absl::string_view key, Callback<absl::Status> done) {
  Start(Operation::kDelete, ObservedKeys(key),
        KeyRequest(Operation::kDelete, key), StatusOf, std::move(done));
}

void Client::ListAsync(
    absl::string_view prefix,
    Callback<absl::StatusOr<std::vector<std::string>>> done) {
  AsyncRequest request;
  request.operation = Operation::kList;
  request.key = options_.key_namespace;
  request.key.append(prefix.data(), prefix.size());
  absl::Status valid = absl::OkStatus();
  if (!prefix.empty()) valid = ValidateKey(prefix, request.key);
  std::string full = request.key;
  Start(
      Operation::kList, ObservedKeys(NoKeys()),
      valid.ok() ? absl::StatusOr<AsyncRequest>(std::move(request))
                 : absl::StatusOr<AsyncRequest>(valid),
      [this, full = std::move(full)](
          AsyncReply& reply) -> absl::StatusOr<std::vector<std::string>> {
        if (!reply.status.ok()) return reply.status;
        return ListedKeys(full, reply.keys);
      },
      std::move(done));
}

void Client::BatchGetAsync(absl::Span<const std::string> keys,
                           Callback<absl::StatusOr<BatchGetResult>> done) {
  absl::StatusOr<AsyncRequest> request =
      KeysRequest(Operation::kBatchGet, keys);
  if (request.ok() && request->keys.empty()) {
    std::move(done)(BatchGetResult{});
    return;
  }
  Start(
      Operation::kBatchGet, ObservedKeys(keys), std::move(request),
      [this](AsyncReply& reply) -> absl::StatusOr<BatchGetResult> {
        if (!reply.status.ok()) return reply.status;
        return WithoutNamespace(std::move(reply.batch_get));
      },
      std::move(done));
}

void Client::BatchSetAsync(absl::Span<const KeyValue> entries,
                           const SetOptions& options,
                           Callback<absl::StatusOr<BatchWriteResult>> done) {
  AsyncRequest request;
  request.operation = Operation::kBatchSet;
  absl::Status valid =
      PrepareEntries(entries, options.ttl, &request.entries, &request.ttl);
  if (valid.ok() && request.entries.empty()) {
    std::move(done)(BatchWriteResult{});
    return;
  }
  Start(
      Operation::kBatchSet, ObservedKeys(entries),
      valid.ok() ? absl::StatusOr<AsyncRequest>(std::move(request))
                 : absl::StatusOr<AsyncRequest>(valid),
      [this](AsyncReply& reply) -> absl::StatusOr<BatchWriteResult> {
        if (!reply.status.ok()) return reply.status;
        return WithoutNamespace(std::move(reply.batch_write));
      },
      std::move(done));
}

void Client::BatchDeleteAsync(absl::Span<const std::string> keys,
                              Callback<absl::StatusOr<BatchWriteResult>> done) {
  absl::StatusOr<AsyncRequest> request =
      KeysRequest(Operation::kBatchDelete, keys);
  if (request.ok() && request->keys.empty()) {
    std::move(done)(BatchWriteResult{});
    return;
  }
  Start(
      Operation::kBatchDelete, ObservedKeys(keys), std::move(request),
      [this](AsyncReply& reply) -> absl::StatusOr<BatchWriteResult> {
        if (!reply.status.ok()) return reply.status;
        return WithoutNamespace(std::move(reply.batch_write));
      },
      std::move(done));
}

template <typename Build>
absl::StatusOr<AsyncRequest> Client::IfCapable(bool capability,
                                               absl::string_view operation,
                                               Build build) const {
  if (!capability) return Require(capability, operation);
  return build();
}

void Client::AddAsync(absl::string_view key, absl::string_view value,
                      const SetOptions& options, Callback<absl::Status> done) {
  Start(Operation::kAdd, ObservedKeys(key),
        IfCapable(capabilities_.add, "Add",
                  [&] {
                    return WriteRequest(Operation::kAdd, key, value,
                                        options.ttl);
                  }),
        StatusOf, std::move(done));
}

void Client::ReplaceAsync(absl::string_view key, absl::string_view value,
                          const SetOptions& options,
                          Callback<absl::Status> done) {
  Start(Operation::kReplace, ObservedKeys(key),
        IfCapable(capabilities_.replace, "Replace",
                  [&] {
                    return WriteRequest(Operation::kReplace, key, value,
                                        options.ttl);
                  }),
        StatusOf, std::move(done));
}

absl::StatusOr<AsyncRequest> Client::IncrementRequest(
    absl::string_view key, int64_t delta,
    const IncrementOptions& options) const {
  return IfCapable(
      capabilities_.increment, "Increment",
      [&]() -> absl::StatusOr<AsyncRequest> {
        KIVI_ASSIGN_OR_RETURN(AsyncRequest request,
                              KeyRequest(Operation::kIncrement, key));
        KIVI_ASSIGN_OR_RETURN(request.ttl, EffectiveTtl(key, options.ttl));
        request.delta = delta;
        request.initial = options.initial;
        request.create = options.create;
        return request;
      });
}

void Client::IncrementAsync(absl::string_view key, int64_t delta,
                            const IncrementOptions& options,
                            Callback<absl::StatusOr<uint64_t>> done) {
  Start(Operation::kIncrement, ObservedKeys(key),
        IncrementRequest(key, delta, options), NumberOf, std::move(done));
}

void Client::DecrementAsync(absl::string_view key, int64_t delta,
                            const IncrementOptions& options,
                            Callback<absl::StatusOr<uint64_t>> done) {
  absl::StatusOr<AsyncRequest> request =
      delta < 0 ? absl::StatusOr<AsyncRequest>(NegativeDecrement(key, delta))
                : IncrementRequest(key, -delta, options);
  Start(Operation::kDecrement, ObservedKeys(key), std::move(request), NumberOf,
        std::move(done));
}

void Client::GetVersionedAsync(absl::string_view key,
                               Callback<absl::StatusOr<VersionedValue>> done) {
  Start(
      Operation::kGetVersioned, ObservedKeys(key),
      IfCapable(capabilities_.compare_and_set, "GetVersioned",
                [&] { return KeyRequest(Operation::kGetVersioned, key); }),
      [](AsyncReply& reply) -> absl::StatusOr<VersionedValue> {
        if (!reply.status.ok()) return reply.status;
        return VersionedValue{std::move(reply.value), reply.number};
      },
      std::move(done));
}

void Client::CompareAndSetAsync(absl::string_view key, absl::string_view value,
                                uint64_t version, const SetOptions& options,
                                Callback<absl::Status> done) {
  Start(Operation::kCompareAndSet, ObservedKeys(key),
        IfCapable(capabilities_.compare_and_set, "CompareAndSet",
                  [&]() -> absl::StatusOr<AsyncRequest> {
                    KIVI_ASSIGN_OR_RETURN(
                        AsyncRequest request,
                        WriteRequest(Operation::kCompareAndSet, key, value,
                                     options.ttl));
                    request.version = version;
                    return request;
                  }),
        StatusOf, std::move(done));
}

absl::StatusOr<AsyncRequest> Client::TouchRequest(Operation operation,
                                                  absl::string_view key,
                                                  absl::Duration ttl) const {
  return IfCapable(capabilities_.touch, OperationName(operation),
                   [&]() -> absl::StatusOr<AsyncRequest> {
                     KIVI_ASSIGN_OR_RETURN(AsyncRequest request,
                                           KeyRequest(operation, key));
                     KIVI_ASSIGN_OR_RETURN(request.ttl, EffectiveTtl(key, ttl));
                     return request;
                   });
}

void Client::TouchAsync(absl::string_view key, absl::Duration ttl,
                        Callback<absl::Status> done) {
  Start(Operation::kTouch, ObservedKeys(key),
        TouchRequest(Operation::kTouch, key, ttl), StatusOf, std::move(done));
}

void Client::GetAndTouchAsync(absl::string_view key, absl::Duration ttl,
                              Callback<absl::StatusOr<std::string>> done) {
  Start(Operation::kGetAndTouch, ObservedKeys(key),
        TouchRequest(Operation::kGetAndTouch, key, ttl), ValueOf,
        std::move(done));
}

absl::StatusOr<AsyncRequest> Client::ConcatenateRequest(
    Operation operation, absl::string_view key, absl::string_view value) const {
  return IfCapable(capabilities_.append_prepend, OperationName(operation),
                   [&]() -> absl::StatusOr<AsyncRequest> {
                     KIVI_ASSIGN_OR_RETURN(AsyncRequest request,
                                           KeyRequest(operation, key));
                     KIVI_RETURN_IF_ERROR(
                         ValidateValue(key, value, options_.max_value_bytes));
                     request.value.assign(value.data(), value.size());
                     return request;
                   });
}

void Client::AppendAsync(absl::string_view key, absl::string_view value,
                         Callback<absl::Status> done) {
  Start(Operation::kAppend, ObservedKeys(key),
        ConcatenateRequest(Operation::kAppend, key, value), StatusOf,
        std::move(done));
}

void Client::PrependAsync(absl::string_view key, absl::string_view value,
                          Callback<absl::Status> done) {
  Start(Operation::kPrepend, ObservedKeys(key),
        ConcatenateRequest(Operation::kPrepend, key, value), StatusOf,
        std::move(done));
}

void Client::FlushAsync(absl::Duration delay, Callback<absl::Status> done) {
  AsyncRequest request;
  request.operation = Operation::kFlush;
  request.ttl = delay;
  absl::Status valid = CheckFlush(delay);
  Start(Operation::kFlush, ObservedKeys(NoKeys()),
        valid.ok() ? absl::StatusOr<AsyncRequest>(std::move(request))
                   : absl::StatusOr<AsyncRequest>(valid),
        StatusOf, std::move(done));
}

void Client::StatsAsync(
    Callback<absl::StatusOr<std::vector<EndpointStats>>> done) {
  Start(
      Operation::kStats, ObservedKeys(NoKeys()),
      IfCapable(capabilities_.stats, "Stats",
                [] {
                  AsyncRequest request;
                  request.operation = Operation::kStats;
                  return absl::StatusOr<AsyncRequest>(std::move(request));
                }),
      [](AsyncReply& reply) -> absl::StatusOr<std::vector<EndpointStats>> {
        if (!reply.status.ok()) return reply.status;
        return std::move(reply.stats);
      },
      std::move(done));
}

void Client::HealthAsync(absl::Duration timeout, Callback<HealthReport> done) {
  auto shared = std::make_shared<Callback<HealthReport>>(std::move(done));
  Executor::Task task = [this, timeout, shared] {
    std::move (*shared)(backend_->Health(timeout));
    EndCall();
  };
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  if (executor_.Schedule(task)) return;
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  HealthReport refused;
  refused.endpoints.push_back(EndpointHealth{
      .endpoint = "kivi executor",
      .ok = false,
      .latency = absl::ZeroDuration(),
      .error = absl::ResourceExhaustedError(absl::StrCat(
          "Health: the client's executor already has ",
          executor_.options().max_queued,
          " calls waiting (ClientOptions::executor.max_queued)"))});
  std::move (*shared)(std::move(refused));
}

}  // namespace kivi
