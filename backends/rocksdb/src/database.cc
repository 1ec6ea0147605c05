#include "backends/rocksdb/src/database.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/rocksdb/src/entry.h"
#include "backends/rocksdb/src/status.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"

namespace kivi::rocksdb_internal {
namespace {

// Every open Database by directory, with its count of holders. Opening and
// the last release (which closes the RocksDB handle and so frees its LOCK
// file) run under one mutex, so an Open right after a close never meets
// the LOCK of the handle being closed.
struct OpenDatabases {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, std::pair<Database*, int>> by_path
      ABSL_GUARDED_BY(mu);
};

OpenDatabases& Registry() {
  static OpenDatabases* const registry = new OpenDatabases;
  return *registry;
}

// RocksDB reports a held LOCK file as an I/O error ("While lock file:
// <dir>/LOCK: Resource temporarily unavailable", or "lock hold by current
// process" for a handle opened outside kivi).
bool IsLockError(const rocksdb::Status& status) {
  return status.IsIOError() &&
         (absl::StrContains(status.ToString(), "/LOCK") ||
          absl::StrContains(status.ToString(), "lock hold"));
}

rocksdb::Options DatabaseOptions(const RocksDbOptions& options,
                                 const rocksdb::CompactionFilter* filter) {
  rocksdb::Options db;
  db.create_if_missing = options.create_if_missing;
  db.compaction_filter = filter;
  db.keep_log_file_num = 4;
  rocksdb::BlockBasedTableOptions table;
  if (options.block_cache_bytes == 0) {
    table.no_block_cache = true;
  } else {
    table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  }
  // Misses (Add, GetOrSet, BatchGet of absent keys) skip the files that
  // cannot hold the key.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return db;
}

}  // namespace

Database::Database(std::string path)
    : path_(std::move(path)),
      next_version_(static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()))) {}

Database::~Database() {
  if (db_ != nullptr) (void)db_->Close();
}

absl::StatusOr<std::shared_ptr<Database>> Database::Open(
    const RocksDbOptions& options) {
  std::error_code error;
  std::filesystem::path canonical =
      std::filesystem::weakly_canonical(options.path, error);
  const std::string key = error ? options.path : canonical.string();

  OpenDatabases& registry = Registry();
  absl::MutexLock lock(&registry.mu);
  auto release = [](Database* database) {
    OpenDatabases& registry = Registry();
    absl::MutexLock lock(&registry.mu);
    for (auto it = registry.by_path.begin(); it != registry.by_path.end();
         ++it) {
      if (it->second.first != database) continue;
      if (--it->second.second == 0) {
        registry.by_path.erase(it);
        delete database;
      }
      return;
    }
  };
  if (auto it = registry.by_path.find(key); it != registry.by_path.end()) {
    ++it->second.second;
    return std::shared_ptr<Database>(it->second.first, release);
  }

  if (options.create_if_missing) {
    std::filesystem::create_directories(options.path, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("rocksdb directory ", options.path,
                       " cannot be created: ", error.message()));
    }
  }
  std::unique_ptr<Database> database(new Database(options.path));
  rocksdb::DB* db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(
      DatabaseOptions(options, &database->filter_), options.path, &db);
  if (IsLockError(status)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "rocksdb directory ", options.path,
        " is in use by another process (its lock file ", options.path,
        "/LOCK is held); one process owns a directory: ", status.ToString()));
  }
  if (status.IsInvalidArgument() &&
      absl::StrContains(status.ToString(), "does not exist")) {
    return absl::FailedPreconditionError(
        absl::StrCat("rocksdb directory ", options.path,
                     " holds no database and create_if_missing is off: ",
                     status.ToString()));
  }
  KIVI_RETURN_IF_ERROR(FromRocksDb(status, [&] {
    return absl::StrCat("rocksdb ", options.path, ": open");
  }));
  database->db_.reset(db);
  // A delayed flush still pending when the directory was last closed.
  std::string due;
  status = db->Get(rocksdb::ReadOptions(), PendingFlushKey(), &due);
  if (status.ok() && due.size() == sizeof(uint64_t)) {
    uint64_t due_ms = 0;
    for (size_t i = 0; i < sizeof(due_ms); ++i) {
      due_ms |= static_cast<uint64_t>(static_cast<unsigned char>(due[i]))
                << (8 * i);
    }
    database->flush_due_ms_.store(static_cast<int64_t>(due_ms));
  }
  Database* raw = database.release();
  registry.by_path.emplace(key, std::make_pair(raw, 1));
  return std::shared_ptr<Database>(raw, release);
}

size_t Database::StripeIndex(absl::string_view key) {
  return absl::HashOf(key) % kStripes;
}

absl::Status Database::FlushAt(absl::Time at,
                               const rocksdb::WriteOptions& write) {
  absl::MutexLock lock(&flush_mu_);
  if (at <= absl::Now()) {
    flush_due_ms_.store(0, std::memory_order_release);
    return DeleteEverything(write);
  }
  // Rounded up: the flush never runs before its time. Stored, so that it
  // still happens if the process exits first (the range deletion of the
  // flush removes the record).
  const uint64_t due_ms = CeilUnixMs(at);
  char due[sizeof(due_ms)];
  for (size_t i = 0; i < sizeof(due_ms); ++i) {
    due[i] = static_cast<char>(due_ms >> (8 * i));
  }
  KIVI_RETURN_IF_ERROR(FromRocksDb(
      db_->Put(write, PendingFlushKey(), rocksdb::Slice(due, sizeof(due))),
      [&] { return absl::StrCat("rocksdb ", path_, ": flush"); }));
  flush_due_ms_.store(static_cast<int64_t>(due_ms), std::memory_order_release);
  return absl::OkStatus();
}

absl::Status Database::ApplyFlushIfDue(const rocksdb::WriteOptions& write) {
  absl::MutexLock lock(&flush_mu_);
  const int64_t due = flush_due_ms_.load(std::memory_order_acquire);
  if (due == 0 || static_cast<int64_t>(NowMs()) < due) {
    return absl::OkStatus();
  }
  flush_due_ms_.store(0, std::memory_order_release);
  return DeleteEverything(write);
}

absl::Status Database::DeleteEverything(const rocksdb::WriteOptions& write)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // Every stripe, so that no read-modify-write straddles the flush.
  for (PaddedMutex& stripe : stripes_) stripe.mu.Lock();
  // Keys are at most kMaxKeyBytes long, so all sort below this bound.
  const std::string end(kMaxKeyBytes + 1, '\xff');
  rocksdb::Status status =
      db_->DeleteRange(write, db_->DefaultColumnFamily(), "", end);
  for (PaddedMutex& stripe : stripes_) stripe.mu.Unlock();
  return FromRocksDb(
      status, [&] { return absl::StrCat("rocksdb ", path_, ": flush"); });
}

StripeLocks::StripeLocks(Database& database, std::vector<size_t> stripes)
    ABSL_NO_THREAD_SAFETY_ANALYSIS : database_(database),
                                     stripes_(std::move(stripes)) {
  std::sort(stripes_.begin(), stripes_.end());
  stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
  for (size_t stripe : stripes_) database_.Stripe(stripe).Lock();
}

StripeLocks::~StripeLocks() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
    database_.Stripe(*it).Unlock();
  }
}

}  // namespace kivi::rocksdb_internal
