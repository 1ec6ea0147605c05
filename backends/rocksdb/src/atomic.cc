// The read-modify-write operations. Each holds its key's stripe from the
// read to the write, so no other write of the key in this process comes
// between (see "Atomicity" in rocksdb_backend.h).

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/rocksdb/src/backend.h"
#include "kivi/counter.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"

namespace kivi::rocksdb_internal {

absl::Status RocksDbBackend::Add(absl::string_view key, absl::string_view value,
                                 absl::Duration ttl) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  absl::MutexLock lock(&database_->StripeOf(key));
  EntryHeader current;
  absl::Status read = ReadEntry(key, &current, nullptr);
  if (read.ok()) {
    return absl::AlreadyExistsError(absl::StrCat(
        "key ", QuoteKey(key), " already exists; Add stored nothing"));
  }
  if (!absl::IsNotFound(read)) return read;
  return WriteEntry(key, NewHeader(ttl), value);
}

absl::Status RocksDbBackend::Replace(absl::string_view key,
                                     absl::string_view value,
                                     absl::Duration ttl) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  absl::MutexLock lock(&database_->StripeOf(key));
  EntryHeader current;
  KIVI_RETURN_IF_ERROR(ReadEntry(key, &current, nullptr));
  return WriteEntry(key, NewHeader(ttl), value);
}

absl::StatusOr<uint64_t> RocksDbBackend::Increment(absl::string_view key,
                                                   int64_t delta,
                                                   uint64_t initial,
                                                   bool create,
                                                   absl::Duration ttl) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  absl::MutexLock lock(&database_->StripeOf(key));
  EntryHeader header;
  std::string value;
  absl::Status read = ReadEntry(key, &header, &value);
  if (absl::IsNotFound(read)) {
    if (!create) return read;
    KIVI_RETURN_IF_ERROR(
        WriteEntry(key, NewHeader(ttl), absl::AlphaNum(initial).Piece()));
    return initial;
  }
  KIVI_RETURN_IF_ERROR(read);
  absl::optional<uint64_t> number = ParseCounter(value);
  if (!number.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "value of key ", QuoteKey(key),
        " is not a decimal unsigned 64-bit number, so it cannot be "
        "incremented or decremented"));
  }
  const uint64_t result = ApplyCounterDelta(*number, delta);
  // The entry keeps its expiry; the new value gets a new version.
  header.version = database_->NextVersion();
  KIVI_RETURN_IF_ERROR(WriteEntry(key, header, absl::AlphaNum(result).Piece()));
  return result;
}

absl::StatusOr<VersionedValue> RocksDbBackend::GetVersioned(
    absl::string_view key) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  EntryHeader header;
  VersionedValue result;
  KIVI_RETURN_IF_ERROR(ReadEntry(key, &header, &result.value));
  result.version = header.version;
  return result;
}

absl::Status RocksDbBackend::CompareAndSet(absl::string_view key,
                                           absl::string_view value,
                                           uint64_t version,
                                           absl::Duration ttl) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  absl::MutexLock lock(&database_->StripeOf(key));
  EntryHeader current;
  KIVI_RETURN_IF_ERROR(ReadEntry(key, &current, nullptr));
  if (current.version != version) {
    return absl::AbortedError(
        absl::StrCat("key ", QuoteKey(key), " changed since version ", version,
                     " was read; CompareAndSet stored nothing"));
  }
  return WriteEntry(key, NewHeader(ttl), value);
}

absl::Status RocksDbBackend::Touch(absl::string_view key, absl::Duration ttl) {
  return GetAndTouch(key, ttl).status();
}

absl::StatusOr<std::string> RocksDbBackend::GetAndTouch(absl::string_view key,
                                                        absl::Duration ttl) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  absl::MutexLock lock(&database_->StripeOf(key));
  EntryHeader header;
  std::string value;
  KIVI_RETURN_IF_ERROR(ReadEntry(key, &header, &value));
  // A new expiry is not a new value: the version stays, as memcached's CAS
  // does on touch.
  header.expiry_ms = ExpiryMs(absl::Now(), ttl);
  KIVI_RETURN_IF_ERROR(WriteEntry(key, header, value));
  return value;
}

absl::Status RocksDbBackend::Append(absl::string_view key,
                                    absl::string_view value) {
  return Extend(key, value, /*at_end=*/true);
}

absl::Status RocksDbBackend::Prepend(absl::string_view key,
                                     absl::string_view value) {
  return Extend(key, value, /*at_end=*/false);
}

absl::Status RocksDbBackend::Extend(absl::string_view key,
                                    absl::string_view value, bool at_end) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  absl::MutexLock lock(&database_->StripeOf(key));
  EntryHeader header;
  std::string current;
  KIVI_RETURN_IF_ERROR(ReadEntry(key, &header, &current));
  if (current.size() > options_.max_value_bytes ||
      value.size() > options_.max_value_bytes - current.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        at_end ? "appending " : "prepending ", value.size(), " bytes to key ",
        QuoteKey(key), " would make its value ", current.size() + value.size(),
        " bytes, over max_value_bytes (", options_.max_value_bytes,
        "); the value is unchanged"));
  }
  const std::string extended =
      at_end ? absl::StrCat(current, value) : absl::StrCat(value, current);
  // The entry keeps its expiry; the new value gets a new version.
  header.version = database_->NextVersion();
  return WriteEntry(key, header, extended);
}

}  // namespace kivi::rocksdb_internal
