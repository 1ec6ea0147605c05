#include "kivi/client.h"

#include <algorithm>
#include <utility>

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
      capabilities_(backend_->capabilities()) {}

Client::~Client() = default;

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
  PreparedWrite w;
  KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
  return backend_->Set(w.key, value, w.ttl);
}

absl::StatusOr<std::string> Client::Get(absl::string_view key) {
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  return backend_->Get(full);
}

absl::Status Client::Delete(absl::string_view key) {
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  return backend_->Delete(full);
}

absl::StatusOr<std::vector<std::string>> Client::List(
    absl::string_view prefix) {
  std::string full = options_.key_namespace;
  full.append(prefix.data(), prefix.size());
  if (!prefix.empty()) KIVI_RETURN_IF_ERROR(ValidateKey(prefix, full));
  KIVI_ASSIGN_OR_RETURN(std::vector<std::string> keys, backend_->List(full));
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const std::string& k : keys) {
    if (absl::StartsWith(k, full)) out.push_back(StripNamespace(k));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<BatchGetResult> Client::BatchGet(
    absl::Span<const std::string> keys) {
  // Each key once. Without a namespace and without repeats the caller's
  // keys go to the backend as they are; otherwise the backend's keys are
  // collected, from the first repeat on (all keys before it are distinct).
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(keys.size());
  bool as_given = options_.key_namespace.empty();
  std::vector<std::string> full_keys;
  if (!as_given) full_keys.reserve(keys.size());
  std::string buffer;
  for (size_t i = 0; i < keys.size(); ++i) {
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(keys[i], &buffer));
    const bool first = seen.insert(keys[i]).second;
    if (as_given && !first) {
      as_given = false;
      full_keys.assign(keys.begin(), keys.begin() + i);
    } else if (!as_given && first) {
      full_keys.emplace_back(full);
    }
  }
  if (as_given) return backend_->BatchGet(keys);
  if (options_.key_namespace.empty()) return backend_->BatchGet(full_keys);
  KIVI_ASSIGN_OR_RETURN(BatchGetResult raw, backend_->BatchGet(full_keys));
  BatchGetResult out;
  out.found.reserve(raw.found.size());
  for (auto& [k, v] : raw.found) {
    out.found.emplace(StripNamespace(k), std::move(v));
  }
  for (auto& [k, s] : raw.failed) out.failed.emplace(StripNamespace(k), s);
  return out;
}

absl::StatusOr<BatchWriteResult> Client::BatchSet(
    absl::Span<const KeyValue> entries, const SetOptions& options) {
  std::vector<KeyValue> prepared;
  prepared.reserve(entries.size());
  absl::flat_hash_map<absl::string_view, size_t> index;
  index.reserve(entries.size());
  absl::Duration ttl;
  for (const KeyValue& entry : entries) {
    std::string buffer;
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(entry.key, &buffer));
    KIVI_RETURN_IF_ERROR(
        ValidateValue(entry.key, entry.value, options_.max_value_bytes));
    KIVI_ASSIGN_OR_RETURN(ttl, EffectiveTtl(entry.key, options.ttl));
    auto [it, inserted] = index.emplace(entry.key, prepared.size());
    if (inserted) {
      prepared.push_back(KeyValue{std::string(full), entry.value});
    } else {
      prepared[it->second].value = entry.value;  // The last value wins.
    }
  }
  if (prepared.empty()) return BatchWriteResult{};
  KIVI_ASSIGN_OR_RETURN(BatchWriteResult raw,
                        backend_->BatchSet(prepared, ttl));
  if (options_.key_namespace.empty()) return raw;
  BatchWriteResult out;
  for (auto& [k, s] : raw.failed) out.failed.emplace(StripNamespace(k), s);
  return out;
}

absl::StatusOr<BatchWriteResult> Client::BatchDelete(
    absl::Span<const std::string> keys) {
  std::vector<std::string> full_keys;
  full_keys.reserve(keys.size());
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(keys.size());
  std::string buffer;
  for (const std::string& key : keys) {
    KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
    if (seen.insert(key).second) full_keys.emplace_back(full);
  }
  if (full_keys.empty()) return BatchWriteResult{};
  KIVI_ASSIGN_OR_RETURN(BatchWriteResult raw, backend_->BatchDelete(full_keys));
  if (options_.key_namespace.empty()) return raw;
  BatchWriteResult out;
  for (auto& [k, s] : raw.failed) out.failed.emplace(StripNamespace(k), s);
  return out;
}

absl::StatusOr<std::string> Client::GetOrSet(absl::string_view key,
                                             absl::Duration ttl_in,
                                             Loader loader) {
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full_view, FullKey(key, &buffer));
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

  // The loader's value reaches the backend, so it obeys the value rules.
  const size_t max_value_bytes = options_.max_value_bytes;
  auto checked_loader = [&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> value = loader();
    if (value.ok()) {
      KIVI_RETURN_IF_ERROR(ValidateValue(key, *value, max_value_bytes));
    }
    return value;
  };
  absl::StatusOr<std::string> result =
      backend_->GetOrSet(full, ttl, checked_loader);
  {
    absl::MutexLock lock(&flights_mu_);
    flights_.erase(full);
  }
  absl::MutexLock lock(&flight->mu);
  flight->result = result;
  flight->done = true;
  return result;
}

HealthReport Client::Health(absl::Duration timeout) {
  return backend_->Health(timeout);
}

absl::Status Client::Add(absl::string_view key, absl::string_view value,
                         const SetOptions& options) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.add, "Add"));
  PreparedWrite w;
  KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
  return backend_->Add(w.key, value, w.ttl);
}

absl::Status Client::Replace(absl::string_view key, absl::string_view value,
                             const SetOptions& options) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.replace, "Replace"));
  PreparedWrite w;
  KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
  return backend_->Replace(w.key, value, w.ttl);
}

absl::StatusOr<uint64_t> Client::Increment(absl::string_view key, int64_t delta,
                                           const IncrementOptions& options) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.increment, "Increment"));
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  KIVI_ASSIGN_OR_RETURN(absl::Duration ttl, EffectiveTtl(key, options.ttl));
  return backend_->Increment(full, delta, options.initial, options.create, ttl);
}

absl::StatusOr<uint64_t> Client::Decrement(absl::string_view key, int64_t delta,
                                           const IncrementOptions& options) {
  if (delta < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Decrement of key ", QuoteKey(key),
                     " by a negative delta (", delta, "); use Increment"));
  }
  return Increment(key, -delta, options);
}

absl::StatusOr<VersionedValue> Client::GetVersioned(absl::string_view key) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.compare_and_set, "GetVersioned"));
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  return backend_->GetVersioned(full);
}

absl::Status Client::CompareAndSet(absl::string_view key,
                                   absl::string_view value, uint64_t version,
                                   const SetOptions& options) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.compare_and_set, "CompareAndSet"));
  PreparedWrite w;
  KIVI_RETURN_IF_ERROR(PrepareWrite(key, value, options.ttl, &w));
  return backend_->CompareAndSet(w.key, value, version, w.ttl);
}

absl::Status Client::Touch(absl::string_view key, absl::Duration ttl_in) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.touch, "Touch"));
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  KIVI_ASSIGN_OR_RETURN(absl::Duration ttl, EffectiveTtl(key, ttl_in));
  return backend_->Touch(full, ttl);
}

absl::StatusOr<std::string> Client::GetAndTouch(absl::string_view key,
                                                absl::Duration ttl_in) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.touch, "GetAndTouch"));
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  KIVI_ASSIGN_OR_RETURN(absl::Duration ttl, EffectiveTtl(key, ttl_in));
  return backend_->GetAndTouch(full, ttl);
}

absl::Status Client::Append(absl::string_view key, absl::string_view value) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.append_prepend, "Append"));
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  KIVI_RETURN_IF_ERROR(ValidateValue(key, value, options_.max_value_bytes));
  return backend_->Append(full, value);
}

absl::Status Client::Prepend(absl::string_view key, absl::string_view value) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.append_prepend, "Prepend"));
  std::string buffer;
  KIVI_ASSIGN_OR_RETURN(absl::string_view full, FullKey(key, &buffer));
  KIVI_RETURN_IF_ERROR(ValidateValue(key, value, options_.max_value_bytes));
  return backend_->Prepend(full, value);
}

absl::Status Client::Flush(absl::Duration delay) {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.flush, "Flush"));
  if (delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "flush delay is negative (", absl::FormatDuration(delay), ")"));
  }
  if (delay > absl::ZeroDuration()) {
    KIVI_RETURN_IF_ERROR(
        Require(capabilities_.delayed_flush, "Flush with a delay"));
  }
  return backend_->Flush(delay);
}

absl::StatusOr<std::vector<EndpointStats>> Client::Stats() {
  KIVI_RETURN_IF_ERROR(Require(capabilities_.stats, "Stats"));
  return backend_->Stats();
}

}  // namespace kivi
