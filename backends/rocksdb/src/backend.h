#ifndef KIVI_BACKENDS_ROCKSDB_SRC_BACKEND_H_
#define KIVI_BACKENDS_ROCKSDB_SRC_BACKEND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "backends/rocksdb/src/database.h"
#include "backends/rocksdb/src/entry.h"
#include "kivi/backend.h"
#include "kivi/rocksdb/rocksdb_backend.h"
#include "rocksdb/options.h"

namespace kivi::rocksdb_internal {

// The Backend over one Database (see rocksdb_backend.h for the contract).
// Basic operations and batches live in backend.cc, read-modify-write
// operations in atomic.cc, Flush/Health/Stats in admin.cc.
class RocksDbBackend final : public Backend {
 public:
  RocksDbBackend(std::shared_ptr<Database> database,
                 const RocksDbOptions& options);

  Capabilities capabilities() const override;

  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override;
  absl::Status Delete(absl::string_view key) override;
  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override;
  absl::StatusOr<BatchGetResult> BatchGet(
      absl::Span<const std::string> keys) override;
  absl::StatusOr<BatchWriteResult> BatchSet(absl::Span<const KeyValue> entries,
                                            absl::Duration ttl) override;
  absl::StatusOr<BatchWriteResult> BatchDelete(
      absl::Span<const std::string> keys) override;
  HealthReport Health(absl::Duration timeout) override;

  absl::Status Add(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override;
  absl::Status Replace(absl::string_view key, absl::string_view value,
                       absl::Duration ttl) override;
  absl::StatusOr<uint64_t> Increment(absl::string_view key, int64_t delta,
                                     uint64_t initial, bool create,
                                     absl::Duration ttl) override;
  absl::StatusOr<VersionedValue> GetVersioned(absl::string_view key) override;
  absl::Status CompareAndSet(absl::string_view key, absl::string_view value,
                             uint64_t version, absl::Duration ttl) override;
  absl::Status Touch(absl::string_view key, absl::Duration ttl) override;
  absl::StatusOr<std::string> GetAndTouch(absl::string_view key,
                                          absl::Duration ttl) override;
  absl::Status Append(absl::string_view key, absl::string_view value) override;
  absl::Status Prepend(absl::string_view key, absl::string_view value) override;
  absl::Status Flush(absl::Duration delay) override;
  absl::StatusOr<std::vector<EndpointStats>> Stats() override;

 private:
  // Reads `key`'s live entry: its header, and its value into `*value` when
  // `value` is not null. NotFound when absent or expired; DataLoss when
  // the stored bytes are not a kivi entry.
  absl::Status ReadEntry(absl::string_view key, EntryHeader* header,
                         std::string* value);
  // Stores `value` under `key` with `header`. The caller holds the key's
  // stripe.
  absl::Status WriteEntry(absl::string_view key, const EntryHeader& header,
                          absl::string_view value);
  // A header for a new write with `ttl`.
  EntryHeader NewHeader(absl::Duration ttl) {
    // The clock is read only for a TTL.
    return EntryHeader{.expiry_ms = ttl == absl::ZeroDuration()
                                        ? 0
                                        : ExpiryMs(absl::Now(), ttl),
                       .version = database_->NextVersion()};
  }
  absl::Status Extend(absl::string_view key, absl::string_view value,
                      bool at_end);
  // "rocksdb <dir>: key "k"", the start of every message about a key.
  std::string KeyContext(absl::string_view key) const;
  // "rocksdb:<dir>", the endpoint named in Health and Stats.
  std::string Endpoint() const;

  const std::shared_ptr<Database> database_;
  rocksdb::DB& db_;
  const RocksDbOptions options_;
  rocksdb::WriteOptions write_;
  rocksdb::ReadOptions read_;
};

absl::Status KeyNotFound(absl::string_view key);

}  // namespace kivi::rocksdb_internal

#endif  // KIVI_BACKENDS_ROCKSDB_SRC_BACKEND_H_
