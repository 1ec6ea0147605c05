// Expired entries leave the disk when compaction rewrites their files: the
// compaction filter, seen through RocksDB's own API.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/rocksdb/src/ttl_filter.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"
#include "rocksdb/db.h"
#include "tests/conformance/case_helpers.h"
#include "tests/rocksdb/temp_dir.h"

namespace kivi::testing {
namespace {

constexpr int kKeys = 200;

TEST(RocksDbCompaction, ExpiredEntriesAreDroppedAndLiveOnesKept) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  {
    absl::StatusOr<std::unique_ptr<Client>> kv =
        Open(absl::StrCat("rocksdb://", path));
    ASSERT_THAT(kv, IsOk());
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_THAT((*kv)->Set(absl::StrCat("short:", i), "v",
                             {.ttl = absl::Milliseconds(1)}),
                  IsOk());
      ASSERT_THAT(
          (*kv)->Set(absl::StrCat("long:", i), "v", {.ttl = absl::Hours(1)}),
          IsOk());
      ASSERT_THAT((*kv)->Set(absl::StrCat("forever:", i), "v"), IsOk());
    }
  }
  absl::SleepFor(absl::Milliseconds(20));

  // The same filter kivi installs, on a raw handle, so the test can see
  // what is on disk rather than what kivi chooses to return.
  rocksdb_internal::ExpiredEntryFilter filter;
  rocksdb::Options options;
  options.compaction_filter = &filter;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  // Expired, hidden from kivi's reads, but still stored.
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "short:0", &value).ok());

  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  ASSERT_TRUE(db->CompactRange(compact, nullptr, nullptr).ok());

  for (int i = 0; i < kKeys; ++i) {
    EXPECT_TRUE(
        db->Get(rocksdb::ReadOptions(), absl::StrCat("short:", i), &value)
            .IsNotFound())
        << "short:" << i;
    EXPECT_TRUE(
        db->Get(rocksdb::ReadOptions(), absl::StrCat("long:", i), &value).ok())
        << "long:" << i;
    EXPECT_TRUE(
        db->Get(rocksdb::ReadOptions(), absl::StrCat("forever:", i), &value)
            .ok())
        << "forever:" << i;
  }
  uint64_t keys = 0;
  ASSERT_TRUE(db->GetIntProperty("rocksdb.estimate-num-keys", &keys));
  EXPECT_EQ(keys, 2u * kKeys);
}

TEST(RocksDbCompaction, FilterKeepsForeignValues) {
  rocksdb_internal::ExpiredEntryFilter filter;
  std::string unused;
  bool changed = false;
  EXPECT_FALSE(filter.Filter(0, "k", "", &unused, &changed));
  EXPECT_FALSE(filter.Filter(0, "k", "not a kivi entry", &unused, &changed));
}

}  // namespace
}  // namespace kivi::testing
