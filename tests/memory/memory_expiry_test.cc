#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/memory/memory_backend.h"
#include "memory_test_util.h"

// Expiry, touch, flush and the sweeper. TTLs are tens of milliseconds and
// each wait is the TTL plus a margin, so the tests stay short.

namespace kivi::memory_test {
namespace {

using ::testing::ElementsAre;

constexpr absl::Duration kTtl = absl::Milliseconds(50);
// kTtl plus a margin for scheduling.
constexpr absl::Duration kPastTtl = absl::Milliseconds(100);

// No sweeper: only lazy reclamation can remove entries.
MemoryOptions WithoutSweeper() {
  return MemoryOptions{.sweep_interval = absl::ZeroDuration()};
}

TEST(MemoryExpiry, ExpiredEntryIsNotFound) {
  auto store = NewStore(WithoutSweeper());
  ASSERT_TRUE(store->Set("k", "v", kTtl).ok());
  EXPECT_EQ(*store->Get("k"), "v");
  absl::SleepFor(kPastTtl);
  EXPECT_TRUE(absl::IsNotFound(store->Get("k").status()));
}

TEST(MemoryExpiry, ExpiredEntryIsInvisibleToEveryOperation) {
  auto store = NewStore(WithoutSweeper());
  for (const char* key : {"get", "list", "ver", "touch", "gat", "append",
                          "replace", "cas", "incr", "add"}) {
    ASSERT_TRUE(store->Set(key, "1", kTtl).ok());
  }
  const uint64_t version = store->GetVersioned("cas")->version;
  absl::SleepFor(kPastTtl);
  EXPECT_TRUE(store->List("")->empty());
  EXPECT_TRUE(absl::IsNotFound(store->Get("get").status()));
  EXPECT_TRUE(absl::IsNotFound(store->GetVersioned("ver").status()));
  EXPECT_TRUE(absl::IsNotFound(store->Touch("touch", absl::Hours(1))));
  EXPECT_TRUE(
      absl::IsNotFound(store->GetAndTouch("gat", absl::Hours(1)).status()));
  EXPECT_TRUE(absl::IsNotFound(store->Append("append", "x")));
  EXPECT_TRUE(
      absl::IsNotFound(store->Replace("replace", "x", absl::ZeroDuration())));
  EXPECT_TRUE(absl::IsNotFound(
      store->CompareAndSet("cas", "x", version, absl::ZeroDuration())));
  EXPECT_EQ(*store->Increment("incr", 1, 42, true, absl::ZeroDuration()), 42u);
  EXPECT_TRUE(store->Add("add", "fresh", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Get("add"), "fresh");
}

TEST(MemoryExpiry, ZeroTtlNeverExpiresAndHugeTtlDoesNotOverflow) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("forever", "v", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Set("long", "v", absl::Hours(24 * 365 * 1000)).ok());
  ASSERT_TRUE(store->Set("inf", "v", absl::InfiniteDuration()).ok());
  absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(store->Get("forever").ok());
  EXPECT_TRUE(store->Get("long").ok());
  EXPECT_TRUE(store->Get("inf").ok());
}

TEST(MemoryExpiry, LazyReadReclaimsTheEntry) {
  auto store = NewStore(WithoutSweeper());
  ASSERT_TRUE(store->Set("k", "v", kTtl).ok());
  absl::SleepFor(kPastTtl);
  EXPECT_EQ(StatOf(*store, "curr_items"), "1");
  EXPECT_FALSE(store->Get("k").ok());
  EXPECT_EQ(StatOf(*store, "curr_items"), "0");
  EXPECT_EQ(StatOf(*store, "bytes"), "0");
}

TEST(MemorySweeper, ReclaimsUnreadExpiredEntries) {
  auto store =
      NewStore({.shards = 4, .sweep_interval = absl::Milliseconds(10)});
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store->Set(absl::StrCat("k", i), "v", kTtl).ok());
  }
  ASSERT_TRUE(store->Set("kept", "v", absl::ZeroDuration()).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (StatOf(*store, "curr_items") != "1" && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(StatOf(*store, "curr_items"), "1");
  EXPECT_EQ(StatOf(*store, "bytes"), "5");
}

TEST(MemorySweeper, DestructorStopsALongIntervalSweeperPromptly) {
  const absl::Time start = absl::Now();
  NewStore({.sweep_interval = absl::Hours(1)}).reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(MemoryTouch, TouchSetsANewTtl) {
  auto store = NewStore(WithoutSweeper());
  ASSERT_TRUE(store->Set("shortened", "v", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Set("extended", "v", kTtl).ok());
  ASSERT_TRUE(store->Touch("shortened", kTtl).ok());
  ASSERT_TRUE(store->Touch("extended", absl::Hours(1)).ok());
  EXPECT_EQ(*store->GetAndTouch("extended", absl::Hours(1)), "v");
  absl::SleepFor(kPastTtl);
  EXPECT_TRUE(absl::IsNotFound(store->Get("shortened").status()));
  EXPECT_EQ(*store->Get("extended"), "v");
}

TEST(MemoryTouch, TouchKeepsTheVersion) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("k", "v", absl::ZeroDuration()).ok());
  const uint64_t version = store->GetVersioned("k")->version;
  ASSERT_TRUE(store->Touch("k", absl::Hours(1)).ok());
  EXPECT_EQ(store->GetVersioned("k")->version, version);
}

TEST(MemoryFlush, ImmediateFlushEmptiesTheStore) {
  auto store = NewStore(WithoutSweeper());
  ASSERT_TRUE(store->Set("a", "1", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Set("b", "2", absl::Hours(1)).ok());
  ASSERT_TRUE(store->Flush(absl::ZeroDuration()).ok());
  EXPECT_TRUE(absl::IsNotFound(store->Get("a").status()));
  EXPECT_TRUE(store->List("")->empty());
  EXPECT_EQ(StatOf(*store, "curr_items"), "0");
  ASSERT_TRUE(store->Set("a", "3", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Get("a"), "3");
}

TEST(MemoryFlush, DelayedFlushInvalidatesOnlyEarlierWritesAtItsTime) {
  auto store = NewStore(WithoutSweeper());
  ASSERT_TRUE(store->Set("before", "v", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Flush(kTtl).ok());
  EXPECT_EQ(*store->Get("before"), "v");
  absl::SleepFor(kPastTtl);
  EXPECT_TRUE(absl::IsNotFound(store->Get("before").status()));
  ASSERT_TRUE(store->Set("after", "v", absl::ZeroDuration()).ok());
  absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(*store->Get("after"), "v");
}

TEST(MemoryFlush, ReplacingAPassedFlushDoesNotReviveWhatItKilled) {
  auto store = NewStore(WithoutSweeper());
  ASSERT_TRUE(store->Set("old", "v", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Flush(absl::Milliseconds(1)).ok());
  absl::SleepFor(absl::Milliseconds(10));
  ASSERT_TRUE(store->Flush(absl::Hours(1)).ok());
  EXPECT_TRUE(absl::IsNotFound(store->Get("old").status()));
  EXPECT_THAT(*store->List(""), ElementsAre());
}

TEST(MemoryFlush, LaterFlushReplacesAPendingOne) {
  auto store = NewStore(WithoutSweeper());
  ASSERT_TRUE(store->Set("k", "v", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Flush(kTtl).ok());
  ASSERT_TRUE(store->Flush(absl::Hours(1)).ok());
  absl::SleepFor(kPastTtl);
  EXPECT_EQ(*store->Get("k"), "v");
}

}  // namespace
}  // namespace kivi::memory_test
