// The conditional and atomic operations, each one statement.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/postgres/src/backend.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"

namespace kivi::postgres_internal {
namespace {

absl::Status NotANumber(absl::string_view key) {
  return absl::FailedPreconditionError(absl::StrCat(
      "key ", QuoteKey(key), " does not hold a decimal number below 2^64"));
}

}  // namespace

absl::Status PostgresBackend::Add(absl::string_view key,
                                  absl::string_view value, absl::Duration ttl) {
  Params params;
  params.Bytes(key).Bytes(value).Int64(TtlMicros(ttl));
  absl::StatusOr<Result> result = Run(Statement::kAdd, params);
  if (!result.ok()) return ForKey(key, result.status());
  if (result->affected() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("key ", QuoteKey(key), " already exists"));
  }
  return absl::OkStatus();
}

absl::Status PostgresBackend::Replace(absl::string_view key,
                                      absl::string_view value,
                                      absl::Duration ttl) {
  Params params;
  params.Bytes(key).Bytes(value).Int64(TtlMicros(ttl));
  absl::StatusOr<Result> result = Run(Statement::kReplace, params);
  if (!result.ok()) return ForKey(key, result.status());
  return result->affected() == 0 ? KeyNotFound(key) : absl::OkStatus();
}

absl::StatusOr<uint64_t> PostgresBackend::Increment(absl::string_view key,
                                                    int64_t delta,
                                                    uint64_t initial,
                                                    bool create,
                                                    absl::Duration ttl) {
  Params params;
  const std::string initial_text = absl::StrCat(initial);
  absl::string_view stored;
  absl::StatusOr<Result> result;
  if (create) {
    params.Bytes(key).Int64(delta).Bytes(initial_text).Int64(TtlMicros(ttl));
    result = Run(Statement::kIncrementOrCreate, params);
    if (!result.ok()) return ForKey(key, result.status());
    if (result->rows() == 0) return NotANumber(key);
    stored = result->Bytes(0, 0);
  } else {
    params.Bytes(key).Int64(delta);
    result = Run(Statement::kIncrementExisting, params);
    if (!result.ok()) return ForKey(key, result.status());
    if (!result->Bool(0, 0)) return KeyNotFound(key);
    if (result->IsNull(0, 1)) return NotANumber(key);
    stored = result->Bytes(0, 1);
  }
  uint64_t value;
  if (!absl::SimpleAtoi(stored, &value)) {
    return absl::InternalError(absl::StrCat(
        "postgres ", endpoint_, ": key ", QuoteKey(key),
        ": the counter's new value is not a number: \"", stored, "\""));
  }
  return value;
}

absl::StatusOr<VersionedValue> PostgresBackend::GetVersioned(
    absl::string_view key) {
  Params params;
  params.Bytes(key);
  absl::StatusOr<Result> result = Run(Statement::kGetVersioned, params);
  if (!result.ok()) return ForKey(key, result.status());
  if (result->rows() == 0) return KeyNotFound(key);
  return VersionedValue{.value = std::string(result->Bytes(0, 0)),
                        .version = static_cast<uint64_t>(result->Int64(0, 1))};
}

absl::Status PostgresBackend::CompareAndSet(absl::string_view key,
                                            absl::string_view value,
                                            uint64_t version,
                                            absl::Duration ttl) {
  Params params;
  params.Bytes(key)
      .Bytes(value)
      .Int64(TtlMicros(ttl))
      .Int64(static_cast<int64_t>(version));
  absl::StatusOr<Result> result = Run(Statement::kCompareAndSet, params);
  if (!result.ok()) return ForKey(key, result.status());
  if (result->Bool(0, 1)) return absl::OkStatus();
  if (!result->Bool(0, 0)) return KeyNotFound(key);
  return absl::AbortedError(absl::StrCat(
      "key ", QuoteKey(key), " changed since version ", version, " was read"));
}

absl::Status PostgresBackend::Touch(absl::string_view key, absl::Duration ttl) {
  Params params;
  params.Bytes(key).Int64(TtlMicros(ttl));
  absl::StatusOr<Result> result = Run(Statement::kTouch, params);
  if (!result.ok()) return ForKey(key, result.status());
  return result->affected() == 0 ? KeyNotFound(key) : absl::OkStatus();
}

absl::StatusOr<std::string> PostgresBackend::GetAndTouch(absl::string_view key,
                                                         absl::Duration ttl) {
  Params params;
  params.Bytes(key).Int64(TtlMicros(ttl));
  absl::StatusOr<Result> result = Run(Statement::kGetAndTouch, params);
  if (!result.ok()) return ForKey(key, result.status());
  if (result->rows() == 0) return KeyNotFound(key);
  return std::string(result->Bytes(0, 0));
}

absl::Status PostgresBackend::Append(absl::string_view key,
                                     absl::string_view value) {
  return Extend(key, value, /*at_end=*/true);
}

absl::Status PostgresBackend::Prepend(absl::string_view key,
                                      absl::string_view value) {
  return Extend(key, value, /*at_end=*/false);
}

absl::Status PostgresBackend::Extend(absl::string_view key,
                                     absl::string_view value, bool at_end) {
  Params params;
  params.Bytes(key).Bytes(value).Int64(
      static_cast<int64_t>(options_.max_value_bytes));
  absl::StatusOr<Result> result =
      Run(at_end ? Statement::kAppend : Statement::kPrepend, params);
  if (!result.ok()) return ForKey(key, result.status());
  if (result->Bool(0, 1)) return absl::OkStatus();
  if (result->IsNull(0, 0)) return KeyNotFound(key);
  // cur holds the length read; the update refused only an oversize result,
  // unless the key vanished in between (then it is a miss).
  const uint64_t old_size = static_cast<uint64_t>(result->Int64(0, 0));
  if (old_size + value.size() <= options_.max_value_bytes) {
    return KeyNotFound(key);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(at_end ? "appending " : "prepending ", value.size(),
                   " bytes to key ", QuoteKey(key), " would make its value ",
                   old_size + value.size(), " bytes, over max_value_bytes ",
                   options_.max_value_bytes, "; the value is unchanged"));
}

}  // namespace kivi::postgres_internal
