#include "kivi/client.h"

#include <algorithm>
#include <exception>
#include <type_traits>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kivi/status_macros.h"

namespace kivi {

// One in-progress GetOrSet of a key, shared by every concurrent caller.
struct Client::Flight {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::StatusOr<std::string> result ABSL_GUARDED_BY(mu);
};

Client::Client(std::unique_ptr<Backend> backend, ClientOptions options)
    : backend_(std::move(backend)),
      options_(std::move(options)),
      capabilities_(backend_->capabilities()),
      observer_(options_.observer.get()),
      executor_(options_.executor) {}

Client::~Client() {
  for (int64_t left = in_flight_.load(); left != 0; left = in_flight_.load()) {
    in_flight_.wait(left);
  }
}

template <typename Keys, typename Body>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline auto Client::Observe(Operation operation,
                                                         Keys keys, Body body)
    -> decltype(body()) {
  if (ABSL_PREDICT_FALSE(observer_ != nullptr)) {
    return ObserveSlow(operation, ObservedKeys(keys), std::move(body));
  }
  return body();
}

// Out of line, so that a call without an observer carries none of this.
template <typename Body>
ABSL_ATTRIBUTE_NOINLINE auto Client::ObserveSlow(Operation operation,
                                                 const ObservedKeys& keys,
                                                 Body body)
    -> decltype(body()) {
  const absl::Time start = absl::Now();
  decltype(body()) result = body();
  Outcome outcome;
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    Report(operation, keys, start, result, outcome);
  } else {
    if constexpr (std::is_same_v<decltype(result),
                                 absl::StatusOr<BatchGetResult>>) {
      if (result.ok()) outcome.batch_get = &*result;
    } else if constexpr (std::is_same_v<decltype(result),
                                        absl::StatusOr<BatchWriteResult>>) {
      if (result.ok()) outcome.batch_write = &*result;
    }
    Report(operation, keys, start, result.status(), outcome);
  }
  return result;
}

absl::StatusOr<absl::string_view> Client::FullKey(absl::string_view key,
                                                  std::string* buffer) const {
  if (options_.key_namespace.empty()) {
    KIVI_RETURN_IF_ERROR(ValidateKey(key, key));
    return key;
  }
  buffer->clear();
  buffer->reserve(options_.key_namespace.size() + key.size());
  buffer->append(options_.key_namespace);
  buffer->append(key.data(), key.size());
  KIVI_RETURN_IF_ERROR(ValidateKey(key, *buffer));
  return absl::string_view(*buffer);
}

absl::StatusOr<absl::Duration> Client::EffectiveTtl(absl::string_view key,
                                                    absl::Duration ttl) const {
  KIVI_RETURN_IF_ERROR(ValidateTtl(key, ttl));
  return ttl == absl::ZeroDuration() ? options_.default_ttl : ttl;
}

absl::Status Client::Require(bool capability,
                             absl::string_view operation) const {
  if (capability) return absl::OkStatus();
  return absl::UnimplementedError(
      absl::StrCat(operation, " is not supported by this backend"));
}

std::string Client::StripNamespace(absl::string_view full_key) const {
  full_key.remove_prefix(
      std::min(options_.key_namespace.size(), full_key.size()));
  return std::string(full_key);
}

absl::Status Client::PrepareWrite(absl::string_view key,
                                  absl::string_view value, absl::Duration ttl,
                                  PreparedWrite* out) const {
  KIVI_ASSIGN_OR_RETURN(out->key, FullKey(key, &out->buffer));
  KIVI_RETURN_IF_ERROR(ValidateValue(key, value, options_.max_value_bytes));
  KIVI_ASSIGN_OR_RETURN(out->ttl, EffectiveTtl(key, ttl));
  return absl::OkStatus();
}

absl::Status Client::Set(absl::string_view key, absl::string_view value,
                         const SetOptions& options) {
  return Observe(Operation::kSet, key, [&]() -> absl::Status {
    PreparedWrite w;
    KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
    return backend_->Set(w.key, value, w.ttl);
  });
}

absl::StatusOr<std::string> Client::Get(absl::string_view key) {
  return Observe(Operation::kGet, key, [&]() -> absl::StatusOr<std::string> {
    std::string buffer;
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
    return backend_->Get(full);
  });
}

absl::Status Client::Delete(absl::string_view key) {
  return Observe(Operation::kDelete, key, [&]() -> absl::Status {
    std::string buffer;
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
    return backend_->Delete(full);
  });
}

absl::StatusOr<std::vector<std::string>> Client::List(
    absl::string_view prefix) {
  return Observe(Operation::kList, NoKeys(),
                 [&]() -> absl::StatusOr<std::vector<std::string>> {
                   std::string full = options_.key_namespace;
                   full.append(prefix.data(), prefix.size());
                   if (!prefix.empty())
                     KIVI_RETURN_IF_ERROR(ValidateKey(prefix, full));
                   KIVI_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                                         backend_->List(full));
                   return ListedKeys(full, keys);
                 });
}

std::vector<std::string> Client::ListedKeys(
    const std::string& full, const std::vector<std::string>& keys) const {
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const std::string& k : keys) {
    if (absl::StartsWith(k, full)) out.push_back(StripNamespace(k));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

BatchGetResult Client::WithoutNamespace(BatchGetResult raw) const {
  if (options_.key_namespace.empty()) return raw;
  BatchGetResult out;
  out.found.reserve(raw.found.size());
  for (auto& [k, v] : raw.found) {
    out.found.emplace(StripNamespace(k), std::move(v));
  }
  for (auto& [k, s] : raw.failed) out.failed.emplace(StripNamespace(k), s);
  return out;
}

BatchWriteResult Client::WithoutNamespace(BatchWriteResult raw) const {
  if (options_.key_namespace.empty()) return raw;
  BatchWriteResult out;
  for (auto& [k, s] : raw.failed) out.failed.emplace(StripNamespace(k), s);
  return out;
}

namespace {

// `status` with the entry's position in the batch in front, e.g.
// "keys[3]: key \"a b\" contains whitespace", so that the caller of a batch
// of many learns which entry broke the rule.
absl::Status AtEntry(absl::string_view field, size_t i,
                     const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(field, "[", i, "]: ", status.message()));
}

}  // namespace

absl::StatusOr<BatchGetResult> Client::BatchGet(
    absl::Span<const std::string> keys) {
  return Observe(
      Operation::kBatchGet, keys, [&]() -> absl::StatusOr<BatchGetResult> {
        // Each key once. Without a namespace and without repeats the
        // caller's keys go to the backend as they are; otherwise the
        // backend's keys are collected, from the first repeat on
        // (all keys before it are distinct).
        absl::flat_hash_set<absl::string_view> seen;
        seen.reserve(keys.size());
        bool as_given = options_.key_namespace.empty();
        std::vector<std::string> full_keys;
        if (!as_given) full_keys.reserve(keys.size());
        std::string buffer;
        for (size_t i = 0; i < keys.size(); ++i) {
          absl::StatusOr<absl::string_view> checked = FullKey(keys[i], &buffer);
          if (!checked.ok()) {
            return AtEntry("keys", i, checked.status());
          }
          const absl::string_view full = *checked;
          const bool first = seen.insert(keys[i]).second;
          if (as_given && !first) {
            as_given = false;
            full_keys.assign(keys.begin(), keys.begin() + i);
          } else if (!as_given && first) {
            full_keys.emplace_back(full);
          }
        }
        if (as_given) return backend_->BatchGet(keys);
        if (options_.key_namespace.empty())
          return backend_->BatchGet(full_keys);
        KIVI_ASSIGN_OR_RETURN(BatchGetResult raw,
                              backend_->BatchGet(full_keys));
        return WithoutNamespace(std::move(raw));
      });
}

absl::Status Client::PrepareEntries(absl::Span<const KeyValue> entries,
                                    absl::Duration ttl,
                                    std::vector<KeyValue>* out,
                                    absl::Duration* effective_ttl) const {
  out->reserve(entries.size());
  absl::flat_hash_map<absl::string_view, size_t> index;
  index.reserve(entries.size());
  std::string buffer;
  for (size_t i = 0; i < entries.size(); ++i) {
    const KeyValue& entry = entries[i];
    absl::StatusOr<absl::string_view> checked = FullKey(entry.key, &buffer);
    if (!checked.ok()) return AtEntry("entries", i, checked.status());
    if (absl::Status value =
            ValidateValue(entry.key, entry.value, options_.max_value_bytes);
        !value.ok()) {
      return AtEntry("entries", i, value);
    }
    KIVI_ASSIGN_OR_RETURN(*effective_ttl, EffectiveTtl(entry.key, ttl));
    auto [it, inserted] = index.emplace(entry.key, out->size());
    if (inserted) {
      out->push_back(KeyValue{std::string(*checked), entry.value});
    } else {
      (*out)[it->second].value = entry.value;  // The last value wins.
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<BatchWriteResult> Client::BatchSet(
    absl::Span<const KeyValue> entries, const SetOptions& options) {
  return Observe(Operation::kBatchSet, entries,
                 [&]() -> absl::StatusOr<BatchWriteResult> {
                   std::vector<KeyValue> prepared;
                   absl::Duration ttl;
                   KIVI_RETURN_IF_ERROR(
                       PrepareEntries(entries, options.ttl, &prepared, &ttl));
                   if (prepared.empty()) return BatchWriteResult{};
                   KIVI_ASSIGN_OR_RETURN(BatchWriteResult raw,
                                         backend_->BatchSet(prepared, ttl));
                   return WithoutNamespace(std::move(raw));
                 });
}

absl::Status Client::PrepareKeys(absl::Span<const std::string> keys,
                                 std::vector<std::string>* full_keys) const {
  full_keys->reserve(keys.size());
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(keys.size());
  std::string buffer;
  for (size_t i = 0; i < keys.size(); ++i) {
    absl::StatusOr<absl::string_view> full = FullKey(keys[i], &buffer);
    if (!full.ok()) return AtEntry("keys", i, full.status());
    if (seen.insert(keys[i]).second) full_keys->emplace_back(*full);
  }
  return absl::OkStatus();
}

absl::StatusOr<AsyncRequest> Client::KeysRequest(
    Operation operation, absl::Span<const std::string> keys) const {
  AsyncRequest request;
  request.operation = operation;
  KIVI_RETURN_IF_ERROR(PrepareKeys(keys, &request.keys));
  return request;
}

absl::StatusOr<BatchWriteResult> Client::BatchDelete(
    absl::Span<const std::string> keys) {
  return Observe(Operation::kBatchDelete, keys,
                 [&]() -> absl::StatusOr<BatchWriteResult> {
                   std::vector<std::string> full_keys;
                   KIVI_RETURN_IF_ERROR(PrepareKeys(keys, &full_keys));
                   if (full_keys.empty()) return BatchWriteResult{};
                   KIVI_ASSIGN_OR_RETURN(BatchWriteResult raw,
                                         backend_->BatchDelete(full_keys));
                   return WithoutNamespace(std::move(raw));
                 });
}

absl::StatusOr<std::string> Client::GetOrSet(absl::string_view key,
                                             absl::Duration ttl_in,
                                             Loader loader) {
  return Observe(
      Operation::kGetOrSet, key, [&]() -> absl::StatusOr<std::string> {
        std::string buffer;
        KIVI_ASSIGN_OR_RETURN(absl::string_view full_view,
                              FullKey(key, &buffer));
        const std::string full(full_view);
        KIVI_ASSIGN_OR_RETURN(absl::Duration ttl, EffectiveTtl(key, ttl_in));

        std::shared_ptr<Flight> flight;
        bool leader = false;
        {
          absl::MutexLock lock(&flights_mu_);
          std::shared_ptr<Flight>& slot = flights_[full];
          if (slot == nullptr) {
            slot = std::make_shared<Flight>();
            leader = true;
          }
          flight = slot;
        }

        if (!leader) {
          absl::MutexLock lock(&flight->mu);
          flight->mu.Await(absl::Condition(&flight->done));
          return flight->result;
        }

        // The loader's value reaches the backend, so it obeys the value
        // rules. A loader that throws is, for the backend, a loader that
        // failed (so it cleans up as for any loader error, e.g. memcached's
        // placeholder); the exception is rethrown to this caller once the
        // flight has landed.
        const size_t max_value_bytes = options_.max_value_bytes;
        std::exception_ptr thrown;
        auto checked_loader = [&]() -> absl::StatusOr<std::string> {
          absl::StatusOr<std::string> value;
          try {
            value = loader();
          } catch (...) {
            thrown = std::current_exception();
            return absl::AbortedError(
                absl::StrCat("GetOrSet loader of key \"", key,
                             "\" threw an exception; nothing was stored"));
          }
          if (value.ok()) {
            KIVI_RETURN_IF_ERROR(ValidateValue(key, *value, max_value_bytes));
          }
          return value;
        };
        // Ends the flight: later callers start a new one, waiters get
        // `landed`.
        auto land = [&](const absl::StatusOr<std::string>& landed) {
          {
            absl::MutexLock lock(&flights_mu_);
            flights_.erase(full);
          }
          absl::MutexLock lock(&flight->mu);
          flight->result = landed;
          flight->done = true;
        };
        absl::StatusOr<std::string> result;
        try {
          result = backend_->GetOrSet(full, ttl, checked_loader);
        } catch (...) {
          // Not the loader's (caught above) but the backend's, e.g.
          // bad_alloc: the flight lands all the same.
          land(absl::AbortedError(absl::StrCat(
              "GetOrSet of key \"", key, "\" was ended by an exception")));
          throw;
        }
        land(result);
        if (thrown != nullptr) std::rethrow_exception(thrown);
        return result;
      });
}

HealthReport Client::Health(absl::Duration timeout) {
  return backend_->Health(timeout);
}

absl::Status Client::Add(absl::string_view key, absl::string_view value,
                         const SetOptions& options) {
  return Observe(Operation::kAdd, key, [&]() -> absl::Status {
    KIVI_RETURN_IF_ERROR(Require(capabilities_.add, "Add"));
    PreparedWrite w;
    KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
    return backend_->Add(w.key, value, w.ttl);
  });
}

absl::Status Client::Replace(absl::string_view key, absl::string_view value,
                             const SetOptions& options) {
  return Observe(Operation::kReplace, key, [&]() -> absl::Status {
    KIVI_RETURN_IF_ERROR(Require(capabilities_.replace, "Replace"));
    PreparedWrite w;
    KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
    return backend_->Replace(w.key, value, w.ttl);
  });
}

absl::StatusOr<uint64_t> Client::Increment(absl::string_view key, int64_t delta,
                                           const IncrementOptions& options) {
  return Observe(Operation::kIncrement, key,
                 [&] { return IncrementBy(key, delta, options); });
}

absl::StatusOr<uint64_t> Client::IncrementBy(absl::string_view key,
                                             int64_t delta,
                                             const IncrementOptions& options) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.increment, "Increment"));
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  KIVI_ASSIGN_OR_RETURN(absl::Duration ttl, EffectiveTtl(key, options.ttl));
  return backend_->Increment(full, delta, options.initial, options.create, ttl);
}

absl::StatusOr<uint64_t> Client::Decrement(absl::string_view key, int64_t delta,
                                           const IncrementOptions& options) {
  return Observe(Operation::kDecrement, key, [&]() -> absl::StatusOr<uint64_t> {
    if (delta < 0) return NegativeDecrement(key, delta);
    return IncrementBy(key, -delta, options);
  });
}

absl::Status Client::NegativeDecrement(absl::string_view key, int64_t delta) {
  return absl::InvalidArgumentError(
      absl::StrCat("Decrement of key ", QuoteKey(key), " by a negative delta (",
                   delta, "); use Increment"));
}

absl::StatusOr<VersionedValue> Client::GetVersioned(absl::string_view key) {
  return Observe(
      Operation::kGetVersioned, key, [&]() -> absl::StatusOr<VersionedValue> {
        KIVI_RETURN_IF_ERROR(
            Require(capabilities_.compare_and_set, "GetVersioned"));
        std::string buffer;
        KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
        return backend_->GetVersioned(full);
      });
}

absl::Status Client::CompareAndSet(absl::string_view key,
                                   absl::string_view value, uint64_t version,
                                   const SetOptions& options) {
  return Observe(Operation::kCompareAndSet, key, [&]() -> absl::Status {
    KIVI_RETURN_IF_ERROR(
        Require(capabilities_.compare_and_set, "CompareAndSet"));
    PreparedWrite w;
    KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
    return backend_->CompareAndSet(w.key, value, version, w.ttl);
  });
}

absl::Status Client::Touch(absl::string_view key, absl::Duration ttl_in) {
  return Observe(Operation::kTouch, key, [&]() -> absl::Status {
    KIVI_RETURN_IF_ERROR(Require(capabilities_.touch, "Touch"));
    std::string buffer;
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
    KIVI_ASSIGN_OR_RETURN(absl::Duration ttl, EffectiveTtl(key, ttl_in));
    return backend_->Touch(full, ttl);
  });
}

absl::StatusOr<std::string> Client::GetAndTouch(absl::string_view key,
                                                absl::Duration ttl_in) {
  return Observe(
      Operation::kGetAndTouch, key, [&]() -> absl::StatusOr<std::string> {
        KIVI_RETURN_IF_ERROR(Require(capabilities_.touch, "GetAndTouch"));
        std::string buffer;
        KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
        KIVI_ASSIGN_OR_RETURN(absl::Duration ttl, EffectiveTtl(key, ttl_in));
        return backend_->GetAndTouch(full, ttl);
      });
}

absl::Status Client::Append(absl::string_view key, absl::string_view value) {
  return Observe(Operation::kAppend, key, [&]() -> absl::Status {
    KIVI_RETURN_IF_ERROR(Require(capabilities_.append_prepend, "Append"));
    std::string buffer;
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
    KIVI_RETURN_IF_ERROR(ValidateValue(key, value, options_.max_value_bytes));
    return backend_->Append(full, value);
  });
}

absl::Status Client::Prepend(absl::string_view key, absl::string_view value) {
  return Observe(Operation::kPrepend, key, [&]() -> absl::Status {
    KIVI_RETURN_IF_ERROR(Require(capabilities_.append_prepend, "Prepend"));
    std::string buffer;
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
    KIVI_RETURN_IF_ERROR(ValidateValue(key, value, options_.max_value_bytes));
    return backend_->Prepend(full, value);
  });
}

absl::Status Client::Flush(absl::Duration delay) {
  return Observe(Operation::kFlush, NoKeys(), [&]() -> absl::Status {
    KIVI_RETURN_IF_ERROR(CheckFlush(delay));
    return backend_->Flush(delay);
  });
}

absl::Status Client::CheckFlush(absl::Duration delay) const {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.flush, "Flush"));
  KIVI_RETURN_IF_ERROR(ValidateDelay("flush delay", delay));
  if (delay > absl::ZeroDuration()) {
    KIVI_RETURN_IF_ERROR(
        Require(capabilities_.delayed_flush, "Flush with a delay"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EndpointStats>> Client::Stats() {
  return Observe(Operation::kStats, NoKeys(),
                 [&]() -> absl::StatusOr<std::vector<EndpointStats>> {
                   KIVI_RETURN_IF_ERROR(Require(capabilities_.stats, "Stats"));
                   return backend_->Stats();
                 });
}

}  // namespace kivi
