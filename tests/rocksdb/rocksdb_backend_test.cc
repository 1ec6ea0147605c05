// rocksdb:// beyond the shared suite: its URL, reopening, sharing one
// directory in a process, the stored format, health and stats.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/rocksdb/src/entry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"
#include "rocksdb/db.h"
#include "tests/conformance/case_helpers.h"
#include "tests/rocksdb/temp_dir.h"

namespace kivi::testing {
namespace {

using rocksdb_internal::DecodeHeader;
using rocksdb_internal::EntryHeader;
using rocksdb_internal::ExpiryMs;
using rocksdb_internal::kHeaderBytes;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Pair;

std::string Url(const TempDir& dir, absl::string_view query = "") {
  return absl::StrCat("rocksdb://", dir.Sub("db"), query);
}

TEST(RocksDbUrl, UnknownParameterIsInvalidArgumentNamingIt) {
  TempDir dir;
  EXPECT_THAT(
      Open(Url(dir, "?colour=blue")).status(),
      HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "\"colour\""));
}

TEST(RocksDbUrl, MalformedParameterIsInvalidArgumentNamingIt) {
  TempDir dir;
  EXPECT_THAT(Open(Url(dir, "?sync=maybe")).status(),
              HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "sync"));
  EXPECT_THAT(
      Open(Url(dir, "?block_cache=lots")).status(),
      HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "block_cache"));
}

TEST(RocksDbUrl, HostOrRelativePathIsInvalidArgument) {
  EXPECT_THAT(
      Open("rocksdb://var/lib/kivi").status(),
      HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "absolute"));
  EXPECT_THAT(Open("rocksdb://").status(),
              HasCode(absl::StatusCode::kInvalidArgument));
}

TEST(RocksDbUrl, EveryParameterIsAccepted) {
  TempDir dir;
  EXPECT_THAT(Open(Url(dir,
                       "?sync=1&create_if_missing=1&block_cache=1MiB&"
                       "min_free_disk=0&namespace=a:&default_ttl=1h")),
              IsOk());
}

TEST(RocksDbOpen, MissingDirectoryWithoutCreateIsFailedPrecondition) {
  TempDir dir;
  EXPECT_THAT(
      Open(Url(dir, "?create_if_missing=0")).status(),
      HasCodeAndMessage(absl::StatusCode::kFailedPrecondition, dir.Sub("db")));
}

TEST(RocksDbOpen, CreatesMissingParents) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("rocksdb://", dir.Sub("a/b/c")));
  ASSERT_THAT(kv, IsOk());
  EXPECT_THAT((*kv)->Set("k", "v"), IsOk());
}

TEST(RocksDbOpen, DataSurvivesClosingAndReopening) {
  TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Client>> kv = Open(Url(dir));
    ASSERT_THAT(kv, IsOk());
    ASSERT_THAT((*kv)->Set("kept", "v1"), IsOk());
    ASSERT_THAT((*kv)->Set("ttl", "v2", {.ttl = absl::Hours(1)}), IsOk());
    ASSERT_THAT((*kv)->Set("gone", "v3"), IsOk());
    ASSERT_THAT((*kv)->Delete("gone"), IsOk());
  }
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(Url(dir, "?create_if_missing=0"));
  ASSERT_THAT(kv, IsOk());
  EXPECT_THAT((*kv)->Get("kept"), IsOkAndHolds("v1"));
  EXPECT_THAT((*kv)->Get("ttl"), IsOkAndHolds("v2"));
  EXPECT_THAT((*kv)->Get("gone"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT((*kv)->List(), IsOkAndHolds(ElementsAre("kept", "ttl")));
}

TEST(RocksDbOpen, ClientsOfOneDirectoryInAProcessShareIt) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Client>> a = Open(Url(dir));
  absl::StatusOr<std::unique_ptr<Client>> b = Open(Url(dir, "?sync=1"));
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_THAT((*a)->Set("k", "from a"), IsOk());
  EXPECT_THAT((*b)->Get("k"), IsOkAndHolds("from a"));
  // One version counter: b's CompareAndSet sees a's write.
  absl::StatusOr<VersionedValue> read = (*b)->GetVersioned("k");
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT((*a)->Set("k", "again"), IsOk());
  EXPECT_THAT((*b)->CompareAndSet("k", "late", read->version),
              HasCode(absl::StatusCode::kAborted));
  // Closing one leaves the other working; the last close frees the
  // directory for a fresh open.
  a->reset();
  EXPECT_THAT((*b)->Get("k"), IsOkAndHolds("again"));
  b->reset();
  absl::StatusOr<std::unique_ptr<Client>> c = Open(Url(dir));
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT((*c)->Get("k"), IsOkAndHolds("again"));
}

TEST(RocksDbFlush, DelayedFlushStillHappensAfterTheProcessReopens) {
  TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Client>> kv = Open(Url(dir));
    ASSERT_THAT(kv, IsOk());
    ASSERT_THAT((*kv)->Set("k", "v"), IsOk());
    ASSERT_THAT((*kv)->Flush(absl::Milliseconds(300)), IsOk());
    // The pending flush is no key of the store.
    EXPECT_THAT((*kv)->List(), IsOkAndHolds(ElementsAre("k")));
  }
  // Closed before the flush was due, as if the process had exited.
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(Url(dir));
  ASSERT_THAT(kv, IsOk());
  EXPECT_THAT((*kv)->Get("k"), IsOkAndHolds("v"));
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_THAT((*kv)->Get("k"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT((*kv)->List(), IsOkAndHolds(::testing::IsEmpty()));
  // Done once: a later write stays.
  ASSERT_THAT((*kv)->Set("k", "again"), IsOk());
  EXPECT_THAT((*kv)->Get("k"), IsOkAndHolds("again"));
}

TEST(RocksDbFormat, ValueIsStoredBehindTheDocumentedHeader) {
  TempDir dir;
  const absl::Time before = absl::Now();
  {
    absl::StatusOr<std::unique_ptr<Client>> kv = Open(Url(dir));
    ASSERT_THAT(kv, IsOk());
    ASSERT_THAT((*kv)->Set("k", "value", {.ttl = absl::Seconds(10)}), IsOk());
    ASSERT_THAT((*kv)->Set("forever", "v"), IsOk());
  }
  const absl::Time after = absl::Now();
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.Sub("db"), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string stored;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "k", &stored).ok());
  ASSERT_EQ(stored.size(), kHeaderBytes + 5);
  EXPECT_EQ(stored[0], 1);
  EXPECT_EQ(stored.substr(kHeaderBytes), "value");
  EntryHeader header;
  ASSERT_TRUE(DecodeHeader(stored, &header));
  EXPECT_GE(header.expiry_ms, ExpiryMs(before, absl::Seconds(10)));
  EXPECT_LE(header.expiry_ms, ExpiryMs(after, absl::Seconds(10)));
  EXPECT_NE(header.version, 0u);
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "forever", &stored).ok());
  ASSERT_TRUE(DecodeHeader(stored, &header));
  EXPECT_EQ(header.expiry_ms, 0u);
}

TEST(RocksDbFormat, ForeignValueIsDataLossNamingTheKey) {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.Sub("db"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "alien", "no header").ok());
  }
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(Url(dir));
  ASSERT_THAT(kv, IsOk());
  EXPECT_THAT((*kv)->Get("alien"),
              HasCodeAndMessage(absl::StatusCode::kDataLoss, "\"alien\""));
  absl::StatusOr<BatchGetResult> batch = (*kv)->BatchGet({"alien"});
  ASSERT_THAT(batch, IsOk());
  EXPECT_THAT(batch->failed,
              Contains(Pair("alien", HasCode(absl::StatusCode::kDataLoss))));
}

TEST(RocksDbEntry, TtlIsRoundedUpToTheMillisecond) {
  const absl::Time now = absl::FromUnixMicros(1'000'500);  // 1000.5 ms
  EXPECT_EQ(ExpiryMs(now, absl::ZeroDuration()), 0u);
  EXPECT_EQ(ExpiryMs(now, absl::Microseconds(1)), 1001u);
  EXPECT_EQ(ExpiryMs(now, absl::Microseconds(500)), 1001u);
  EXPECT_EQ(ExpiryMs(now, absl::Milliseconds(1)), 1002u);
  EntryHeader header{.expiry_ms = 1001};
  EXPECT_TRUE(header.LiveAt(1000));
  EXPECT_FALSE(header.LiveAt(1001));
}

TEST(RocksDbHealth, ReportsTheDirectoryAndFreeSpace) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(Url(dir));
  ASSERT_THAT(kv, IsOk());
  HealthReport report = (*kv)->Health();
  ASSERT_EQ(report.endpoints.size(), 1u);
  EXPECT_EQ(report.endpoints[0].endpoint, "rocksdb:" + dir.Sub("db"));
  EXPECT_TRUE(report.ok()) << report.ToString();
  // A disk can never have this much free: health must say so.
  absl::StatusOr<std::unique_ptr<Client>> demanding =
      Open(Url(dir, "?min_free_disk=1000000GiB"));
  ASSERT_THAT(demanding, IsOk());
  HealthReport low = (*demanding)->Health();
  EXPECT_FALSE(low.ok());
  EXPECT_THAT(
      low.endpoints[0].error,
      HasCodeAndMessage(absl::StatusCode::kResourceExhausted, "min_free_disk"));
}

TEST(RocksDbStats, ReportsRocksDbEstimates) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(Url(dir));
  ASSERT_THAT(kv, IsOk());
  ASSERT_THAT((*kv)->Set("k", "v"), IsOk());
  absl::StatusOr<std::vector<EndpointStats>> stats = (*kv)->Stats();
  ASSERT_THAT(stats, IsOk());
  ASSERT_EQ(stats->size(), 1u);
  std::vector<std::string> names;
  for (const auto& [name, value] : (*stats)[0].values) names.push_back(name);
  EXPECT_THAT(names,
              ElementsAre("rocksdb.estimate-num-keys",
                          "rocksdb.estimate-live-data-size",
                          "rocksdb.estimate-pending-compaction-bytes",
                          "rocksdb.background-errors", "free_disk_bytes"));
  EXPECT_THAT((*stats)[0].values,
              Contains(Pair("rocksdb.estimate-num-keys", "1")));
}

}  // namespace
}  // namespace kivi::testing
