#ifndef KIVI_BACKENDS_ROCKSDB_SRC_DATABASE_H_
#define KIVI_BACKENDS_ROCKSDB_SRC_DATABASE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/rocksdb/src/ttl_filter.h"
#include "kivi/rocksdb/rocksdb_backend.h"
#include "rocksdb/db.h"

namespace kivi::rocksdb_internal {

// One open RocksDB directory and what every backend over it must share to
// stay atomic: the key locks, the version counter, a pending flush. A
// process opens a directory once; Open hands every caller the same
// Database while any holds it, and the last release closes it.
// Thread-safe.
class Database {
 public:
  static constexpr size_t kStripes = 256;

  // Opens `options.path` (block cache and create_if_missing apply when this
  // call is the one that opens it). FailedPrecondition naming the directory
  // and its LOCK file when another process holds it, or when it is missing
  // and create_if_missing is off.
  static absl::StatusOr<std::shared_ptr<Database>> Open(
      const RocksDbOptions& options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  rocksdb::DB& db() { return *db_; }
  // The directory, as given at first open.
  const std::string& path() const { return path_; }

  // The stripe whose lock guards `key`, and that lock.
  static size_t StripeIndex(absl::string_view key);
  absl::Mutex& Stripe(size_t index) { return stripes_[index].mu; }
  absl::Mutex& StripeOf(absl::string_view key) {
    return Stripe(StripeIndex(key));
  }

  // A version no write of this database has used.
  uint64_t NextVersion() { return next_version_.fetch_add(1) + 1; }

  // Where a pending delayed flush is recorded: a key no client can write
  // (keys have no control bytes) and List skips.
  static rocksdb::Slice PendingFlushKey() {
    return rocksdb::Slice("\0kivi.flush_at", 14);
  }

  // Deletes every key at `at` (now, if `at` has passed), replacing any
  // pending flush. The deletion runs in this call when due, else in the
  // first ApplyDueFlush at or after `at`, in this process or, if it exits
  // first, in the next one to open the directory.
  absl::Status FlushAt(absl::Time at, const rocksdb::WriteOptions& write);
  // Runs a pending flush whose time has come. Call before taking any
  // stripe lock: a flush takes them all.
  absl::Status ApplyDueFlush(const rocksdb::WriteOptions& write) {
    const int64_t due = flush_due_ms_.load(std::memory_order_acquire);
    if (due == 0) return absl::OkStatus();
    return ApplyFlushIfDue(write);
  }

 private:
  struct alignas(64) PaddedMutex {
    absl::Mutex mu;
  };

  explicit Database(std::string path);
  absl::Status ApplyFlushIfDue(const rocksdb::WriteOptions& write);
  absl::Status DeleteEverything(const rocksdb::WriteOptions& write);

  const std::string path_;
  ExpiredEntryFilter filter_;  // Outlives db_, which uses it.
  std::unique_ptr<rocksdb::DB> db_;
  std::array<PaddedMutex, kStripes> stripes_;
  std::atomic<uint64_t> next_version_;
  absl::Mutex flush_mu_;
  // Unix milliseconds of the pending flush; 0: none.
  std::atomic<int64_t> flush_due_ms_{0};
};

// Holds the locks of several stripes (indexes in any order, repeats
// allowed), taken in index order so that two batches never deadlock.
class StripeLocks {
 public:
  StripeLocks(Database& database, std::vector<size_t> stripes);
  StripeLocks(const StripeLocks&) = delete;
  StripeLocks& operator=(const StripeLocks&) = delete;
  ~StripeLocks();

 private:
  Database& database_;
  std::vector<size_t> stripes_;
};

}  // namespace kivi::rocksdb_internal

#endif  // KIVI_BACKENDS_ROCKSDB_SRC_DATABASE_H_
