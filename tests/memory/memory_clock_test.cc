#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/memory/memory_backend.h"
#include "memory_test_util.h"

// The eviction policy under max_bytes: CLOCK (second chance), so that reads
// share the shard's lock. One shard and entries of exactly 100 bytes
// (2-byte key + 98-byte value) in a 350-byte budget: three fit, a fourth
// evicts one. Then the byte cap and reads under concurrent writers.

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

void SetAll(Backend& store, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    ASSERT_TRUE(store.Set(key, kValue, absl::ZeroDuration()).ok()) << key;
  }
}

uint64_t StatNumber(Backend& store, absl::string_view name) {
  uint64_t n = 0;
  EXPECT_TRUE(absl::SimpleAtoi(StatOf(store, name), &n)) << name;
  return n;
}

TEST(MemoryClockEviction, EveryReadEntrySurvivesOneNeverRead) {
  auto store = NewStore(ThreeEntryBudget());
  SetAll(*store, {"k0", "k1", "k2"});
  ASSERT_TRUE(store->Get("k0").ok());
  ASSERT_TRUE(store->Get("k1").ok());
  SetAll(*store, {"k3"});
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k0", "k1", "k3"));
  EXPECT_EQ(StatOf(*store, "evictions"), "1");
}

TEST(MemoryClockEviction, AVersionedReadCountsAsARead) {
  auto store = NewStore(ThreeEntryBudget());
  SetAll(*store, {"k0", "k1", "k2"});
  ASSERT_TRUE(store->GetVersioned("k0").ok());
  SetAll(*store, {"k3"});
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k0", "k2", "k3"));
}

TEST(MemoryClockEviction, AReadSparesAnEntryOnceAsIfWrittenThen) {
  auto store = NewStore(ThreeEntryBudget());
  SetAll(*store, {"k0", "k1", "k2"});
  ASSERT_TRUE(store->Get("k0").ok());
  // k0 is spared when k3's write evicts k1, and from then on ages like a
  // write made right after k3: k2 goes next, then k3, then k0.
  SetAll(*store, {"k3", "k4"});
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k0", "k3", "k4"));
  SetAll(*store, {"k5"});
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k0", "k4", "k5"));
  SetAll(*store, {"k6"});
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k4", "k5", "k6"));
}

TEST(MemoryClockEviction, WhenEveryEntryWasReadTheOldestGoes) {
  auto store = NewStore(ThreeEntryBudget());
  SetAll(*store, {"k0", "k1", "k2"});
  for (const char* key : {"k2", "k1", "k0"}) ASSERT_TRUE(store->Get(key).ok());
  SetAll(*store, {"k3"});
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k1", "k2", "k3"));
}

TEST(MemoryClockEviction, AGrownEntryIsKeptWhileReadOnesAreSpared) {
  auto store = NewStore(ThreeEntryBudget());
  // The growing entry is the oldest and every other one was read: eviction
  // passes over it and spares the others once before evicting k1.
  ASSERT_TRUE(store->Set("k4", "", absl::ZeroDuration()).ok());
  SetAll(*store, {"k1", "k2", "k3"});
  for (const char* key : {"k1", "k2", "k3"}) ASSERT_TRUE(store->Get(key).ok());
  ASSERT_TRUE(store->Append("k4", std::string(98, 'a')).ok());
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k2", "k3", "k4"));
  EXPECT_EQ(store->Get("k4")->size(), 98u);
  EXPECT_EQ(StatOf(*store, "bytes"), "300");
}

TEST(MemoryClockEviction, ExpiredEntriesGoBeforeReadOnesWithoutCounting) {
  auto store = NewStore(ThreeEntryBudget());
  ASSERT_TRUE(store->Set("k0", kValue, absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Set("k1", kValue, absl::Milliseconds(5)).ok());
  ASSERT_TRUE(store->Set("k2", kValue, absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Get("k0").ok());
  ASSERT_TRUE(store->Get("k1").ok());
  absl::SleepFor(absl::Milliseconds(20));
  SetAll(*store, {"k3"});
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("k0", "k2", "k3"));
  EXPECT_EQ(StatOf(*store, "evictions"), "0");
}

TEST(MemoryClockEviction, ReadingAnExpiredEntryReclaimsIt) {
  auto store = NewStore({.shards = 1, .sweep_interval = absl::ZeroDuration()});
  ASSERT_TRUE(store->Set("a", "1", absl::Milliseconds(5)).ok());
  ASSERT_TRUE(store->Set("b", "2", absl::Milliseconds(5)).ok());
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_TRUE(absl::IsNotFound(store->GetVersioned("a").status()));
  EXPECT_EQ(StatOf(*store, "curr_items"), "1");
  EXPECT_TRUE(absl::IsNotFound(store->Get("b").status()));
  EXPECT_EQ(StatOf(*store, "curr_items"), "0");
  EXPECT_EQ(StatOf(*store, "get_misses"), "2");
}

// Writers of new keys overflow a small budget while readers read and a
// watcher samples the store's size: the cap holds at every sample, reads
// return whole values, and every read is counted once.
TEST(MemoryClockEviction, ByteCapHoldsUnderConcurrentWritersAndReaders) {
  constexpr uint64_t kMaxBytes = 64 << 10;
  constexpr int kWriters = 4;
  constexpr int kReaders = 3;
  constexpr int kOps = 3000;
  auto store = NewStore({.max_bytes = kMaxBytes,
                         .shards = 2,
                         .sweep_interval = absl::Milliseconds(1),
                         .max_value_bytes = 1000});
  // A key's value is its own name repeated, so a torn or foreign value shows.
  auto value_of = [](const std::string& key, int i) {
    std::string v;
    for (int r = 0; r < 1 + i % 40; ++r) v += key;
    return v;
  };
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::atomic<uint64_t> most_bytes{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kOps; ++i) {
        const std::string key = absl::StrCat("w", w, ":", i % 500);
        const absl::Duration ttl =
            i % 7 == 0 ? absl::Milliseconds(2) : absl::ZeroDuration();
        ASSERT_TRUE(store->Set(key, value_of(key, i), ttl).ok());
      }
    });
  }
  std::atomic<uint64_t> reads{0};
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      for (int i = 0; i < kOps; ++i) {
        const std::string key =
            absl::StrCat("w", (i + r) % kWriters, ":", (i * 7) % 500);
        absl::StatusOr<std::string> got = store->Get(key);
        reads.fetch_add(1);
        if (got.ok()) {
          const bool whole =
              !got->empty() && got->size() % key.size() == 0 &&
              got->compare(0, key.size(), key) == 0 &&
              got->compare(got->size() - key.size(), key.size(), key) == 0;
          if (!whole) ++wrong;
        } else if (!absl::IsNotFound(got.status())) {
          ++wrong;
        }
      }
    });
  }
  std::thread watcher([&] {
    while (!done.load()) {
      const uint64_t bytes = StatNumber(*store, "bytes");
      if (bytes > most_bytes.load()) most_bytes.store(bytes);
    }
  });
  for (auto& thread : threads) thread.join();
  done.store(true);
  watcher.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(most_bytes.load(), kMaxBytes);
  EXPECT_LE(StatNumber(*store, "bytes"), kMaxBytes);
  EXPECT_GT(StatNumber(*store, "evictions"), 0u);
  EXPECT_EQ(StatNumber(*store, "get_hits") + StatNumber(*store, "get_misses"),
            reads.load());
}

}  // namespace
}  // namespace kivi::memory_test
