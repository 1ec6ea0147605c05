#include "kivi/backend.h"

#include "absl/strings/str_cat.h"

namespace kivi {
namespace {

absl::Status NotSupported(absl::string_view operation) {
  return absl::UnimplementedError(
      absl::StrCat(operation, " is not supported by this backend"));
}

}  // namespace

absl::StatusOr<BatchGetResult> Backend::BatchGet(
    absl::Span<const std::string> keys) {
  BatchGetResult result;
  for (const std::string& key : keys) {
    absl::StatusOr<std::string> value = Get(key);
    if (value.ok()) {
      result.found.emplace(key, *std::move(value));
    } else if (!absl::IsNotFound(value.status())) {
      result.failed.emplace(key, value.status());
    }
  }
  return result;
}

absl::StatusOr<BatchWriteResult> Backend::BatchSet(
    absl::Span<const KeyValue> entries, absl::Duration ttl) {
  BatchWriteResult result;
  for (const KeyValue& entry : entries) {
    if (absl::Status s = Set(entry.key, entry.value, ttl); !s.ok()) {
      result.failed.emplace(entry.key, std::move(s));
    }
  }
  return result;
}

absl::StatusOr<BatchWriteResult> Backend::BatchDelete(
    absl::Span<const std::string> keys) {
  BatchWriteResult result;
  for (const std::string& key : keys) {
    if (absl::Status s = Delete(key); !s.ok()) {
      result.failed.emplace(key, std::move(s));
    }
  }
  return result;
}

absl::StatusOr<std::string> Backend::GetOrSet(absl::string_view key,
                                              absl::Duration ttl,
                                              Loader loader) {
  absl::StatusOr<std::string> cached = Get(key);
  if (!absl::IsNotFound(cached.status())) return cached;
  absl::StatusOr<std::string> loaded = loader();
  if (!loaded.ok()) return loaded;
  // A failed store is not the caller's problem: the value is still good.
  (void)Set(key, *loaded, ttl);
  return loaded;
}

absl::Status Backend::Add(absl::string_view, absl::string_view,
                          absl::Duration) {
  return NotSupported("Add");
}
absl::Status Backend::Replace(absl::string_view, absl::string_view,
                              absl::Duration) {
  return NotSupported("Replace");
}
absl::StatusOr<uint64_t> Backend::Increment(absl::string_view, int64_t,
                                            uint64_t, bool, absl::Duration) {
  return NotSupported("Increment");
}
absl::StatusOr<VersionedValue> Backend::GetVersioned(absl::string_view) {
  return NotSupported("GetVersioned");
}
absl::Status Backend::CompareAndSet(absl::string_view, absl::string_view,
                                    uint64_t, absl::Duration) {
  return NotSupported("CompareAndSet");
}
absl::Status Backend::Touch(absl::string_view, absl::Duration) {
  return NotSupported("Touch");
}
absl::StatusOr<std::string> Backend::GetAndTouch(absl::string_view,
                                                 absl::Duration) {
  return NotSupported("GetAndTouch");
}
absl::Status Backend::Append(absl::string_view, absl::string_view) {
  return NotSupported("Append");
}
absl::Status Backend::Prepend(absl::string_view, absl::string_view) {
  return NotSupported("Prepend");
}
absl::Status Backend::Flush(absl::Duration) { return NotSupported("Flush"); }
absl::StatusOr<std::vector<EndpointStats>> Backend::Stats() {
  return NotSupported("Stats");
}

std::vector<EndpointState> Backend::EndpointStates() const { return {}; }

}  // namespace kivi
