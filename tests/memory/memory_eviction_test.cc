#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/memory/memory_backend.h"
#include "memory_test_util.h"

// LRU eviction under max_bytes. One shard, so the whole budget is one LRU
// list, and entries of exactly 100 bytes (2-byte key + 98-byte value) in a
// 350-byte budget: three fit, a fourth evicts one.

namespace kivi::memory_test {
namespace {

using ::testing::UnorderedElementsAre;

const std::string kValue(98, 'v');

MemoryOptions ThreeEntryBudget() {
  return MemoryOptions{.max_bytes = 350,
                       .shards = 1,
                       .sweep_interval = absl::ZeroDuration(),
                       .max_value_bytes = 100};
}

TEST(MemoryEviction, EvictsTheLeastRecentlyWrittenFirst) {
  auto store = NewStore(ThreeEntryBudget());
  for (const char* key : {"k0", "k1", "k2", "k3", "k4"}) {
    ASSERT_TRUE(store->Set(key, kValue, absl::ZeroDuration()).ok());
  }
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k2", "k3", "k4"));
  EXPECT_EQ(StatOf(*store, "evictions"), "2");
  EXPECT_EQ(StatOf(*store, "bytes"), "300");
}

TEST(MemoryEviction, ReadingAnEntryMakesItRecent) {
  auto store = NewStore(ThreeEntryBudget());
  for (const char* key : {"k0", "k1", "k2"}) {
    ASSERT_TRUE(store->Set(key, kValue, absl::ZeroDuration()).ok());
  }
  ASSERT_TRUE(store->Get("k0").ok());
  ASSERT_TRUE(store->Set("k3", kValue, absl::ZeroDuration()).ok());
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k0", "k2", "k3"));
}

TEST(MemoryEviction, OverwritingAnEntryMakesItRecent) {
  auto store = NewStore(ThreeEntryBudget());
  for (const char* key : {"k0", "k1", "k2"}) {
    ASSERT_TRUE(store->Set(key, kValue, absl::ZeroDuration()).ok());
  }
  ASSERT_TRUE(store->Set("k0", kValue, absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Set("k3", kValue, absl::ZeroDuration()).ok());
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k0", "k2", "k3"));
}

TEST(MemoryEviction, GrowingAnEntryEvictsOthersButNeverItself) {
  auto store = NewStore(ThreeEntryBudget());
  for (const char* key : {"k1", "k2", "k3"}) {
    ASSERT_TRUE(store->Set(key, kValue, absl::ZeroDuration()).ok());
  }
  ASSERT_TRUE(store->Set("k4", "", absl::ZeroDuration()).ok());
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k1", "k2", "k3", "k4"));
  ASSERT_TRUE(store->Append("k4", std::string(98, 'a')).ok());
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k2", "k3", "k4"));
  EXPECT_EQ(store->Get("k4")->size(), 98u);
}

TEST(MemoryEviction, DroppingExpiredEntriesIsNotCountedAsEviction) {
  auto store = NewStore(ThreeEntryBudget());
  for (const char* key : {"k0", "k1", "k2"}) {
    ASSERT_TRUE(store->Set(key, kValue, absl::Milliseconds(10)).ok());
  }
  absl::SleepFor(absl::Milliseconds(30));
  ASSERT_TRUE(store->Set("k3", kValue, absl::ZeroDuration()).ok());
  EXPECT_EQ(StatOf(*store, "evictions"), "0");
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k3"));
}

TEST(MemoryEviction, UnboundedStoreNeverEvicts) {
  auto store = NewStore({.shards = 1});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(
        store->Set(std::to_string(i), kValue, absl::ZeroDuration()).ok());
  }
  EXPECT_EQ(StatOf(*store, "curr_items"), "1000");
  EXPECT_EQ(StatOf(*store, "evictions"), "0");
}

}  // namespace
}  // namespace kivi::memory_test
