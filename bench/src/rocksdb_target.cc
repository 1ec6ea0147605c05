#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

absl::Status Failure(const rocksdb::Status& status, absl::string_view what) {
  if (status.IsNotFound()) return absl::NotFoundError(what);
  return absl::UnavailableError(
      absl::StrCat("rocksdb ", what, ": ", status.ToString()));
}

// Direct RocksDB calls, as an application without kivi would make them:
// Get into a std::string, Put, and the batched MultiGet.
class RawRocksDbSession final : public Session {
 public:
  explicit RawRocksDbSession(rocksdb::DB& db) : db_(db) {}

  absl::Status Get(absl::string_view key, std::string* value) override {
    rocksdb::Status status =
        db_.Get(read_, rocksdb::Slice(key.data(), key.size()), value);
    return status.ok() ? absl::OkStatus() : Failure(status, "get");
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    rocksdb::Status status =
        db_.Put(write_, rocksdb::Slice(key.data(), key.size()),
                rocksdb::Slice(value.data(), value.size()));
    return status.ok() ? absl::OkStatus() : Failure(status, "put");
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    const size_t n = run.keys.size();
    std::vector<rocksdb::Slice> keys(run.keys.begin(), run.keys.end());
    std::vector<rocksdb::PinnableSlice> values(n);
    std::vector<rocksdb::Status> statuses(n);
    db_.MultiGet(read_, db_.DefaultColumnFamily(), n, keys.data(),
                 values.data(), statuses.data());
    size_t hits = 0;
    for (size_t i = 0; i < n; ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return Failure(statuses[i], "multiget");
      if (values[i].size() != value_bytes) {
        return absl::DataLossError(absl::StrCat("rocksdb MultiGet returned ",
                                                values[i].size(), " bytes"));
      }
      ++hits;
    }
    return hits;
  }

 private:
  rocksdb::DB& db_;
  rocksdb::ReadOptions read_;
  rocksdb::WriteOptions write_;
};

class RawRocksDbTarget final : public Target {
 public:
  explicit RawRocksDbTarget(std::unique_ptr<rocksdb::DB> db)
      : db_(std::move(db)) {}

  std::string name() const override { return "raw-rocksdb"; }
  int latency_sample_every() const override { return 16; }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    return std::make_unique<RawRocksDbSession>(*db_);
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewRawRocksDbTarget(
    const std::string& path) {
  // The table settings kivi's rocksdb:// uses by default, so the two differ
  // only by kivi.
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(uint64_t{32} << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, path, &db);
  if (!status.ok()) return Failure(status, absl::StrCat("open ", path));
  return std::make_unique<RawRocksDbTarget>(std::unique_ptr<rocksdb::DB>(db));
}

}  // namespace kivi_bench
