#include "kivi/memory/memory_backend.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "memory_test_util.h"

namespace kivi::memory_test {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

TEST(MemoryBackend, DeclaresEveryCapabilityAtMillisecondResolution) {
  auto store = NewStore();
  const Capabilities caps = store->capabilities();
  EXPECT_TRUE(caps.add && caps.replace && caps.increment &&
              caps.compare_and_set && caps.touch && caps.append_prepend &&
              caps.flush && caps.stats);
  EXPECT_EQ(caps.ttl_resolution, absl::Milliseconds(1));
}

TEST(MemoryBackend, SetGetOverwriteDelete) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("k", "v1", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Get("k"), "v1");
  ASSERT_TRUE(store->Set("k", "v2", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Get("k"), "v2");
  ASSERT_TRUE(store->Delete("k").ok());
  EXPECT_TRUE(absl::IsNotFound(store->Get("k").status()));
  EXPECT_TRUE(store->Delete("k").ok());
}

TEST(MemoryBackend, MissNamesTheKey) {
  auto store = NewStore();
  absl::Status miss = store->Get("nothing").status();
  EXPECT_TRUE(absl::IsNotFound(miss));
  EXPECT_THAT(miss.message(), HasSubstr("nothing"));
}

TEST(MemoryBackend, ListReturnsLiveKeysWithPrefix) {
  auto store = NewStore({.shards = 4});
  for (const char* key : {"a:1", "a:2", "b:1", "a:3"}) {
    ASSERT_TRUE(store->Set(key, "v", absl::ZeroDuration()).ok());
  }
  ASSERT_TRUE(store->Delete("a:2").ok());
  EXPECT_THAT(*store->List("a:"), UnorderedElementsAre("a:1", "a:3"));
  EXPECT_THAT(*store->List(""), UnorderedElementsAre("a:1", "a:3", "b:1"));
}

TEST(MemoryBackend, AddStoresOnlyAbsentKeys) {
  auto store = NewStore();
  ASSERT_TRUE(store->Add("k", "first", absl::ZeroDuration()).ok());
  EXPECT_TRUE(
      absl::IsAlreadyExists(store->Add("k", "second", absl::ZeroDuration())));
  EXPECT_EQ(*store->Get("k"), "first");
}

TEST(MemoryBackend, ReplaceStoresOnlyPresentKeys) {
  auto store = NewStore();
  EXPECT_TRUE(absl::IsNotFound(store->Replace("k", "v", absl::ZeroDuration())));
  EXPECT_TRUE(absl::IsNotFound(store->Get("k").status()));
  ASSERT_TRUE(store->Set("k", "old", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Replace("k", "new", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Get("k"), "new");
}

TEST(MemoryIncrement, CreatesWithInitialWithoutApplyingDelta) {
  auto store = NewStore();
  EXPECT_EQ(*store->Increment("n", 5, 10, true, absl::ZeroDuration()), 10u);
  EXPECT_EQ(*store->Increment("n", 5, 10, true, absl::ZeroDuration()), 15u);
  EXPECT_EQ(*store->Get("n"), "15");
}

TEST(MemoryIncrement, AbsentKeyWithoutCreateIsNotFound) {
  auto store = NewStore();
  EXPECT_TRUE(absl::IsNotFound(
      store->Increment("n", 1, 0, false, absl::ZeroDuration()).status()));
  EXPECT_TRUE(absl::IsNotFound(store->Get("n").status()));
}

TEST(MemoryIncrement, IncrementWrapsModulo2To64) {
  auto store = NewStore();
  ASSERT_TRUE(
      store->Set("n", "18446744073709551615", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Increment("n", 3, 0, true, absl::ZeroDuration()), 2u);
  EXPECT_EQ(*store->Get("n"), "2");
}

TEST(MemoryIncrement, DecrementStopsAtZero) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("n", "10", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Increment("n", -3, 0, true, absl::ZeroDuration()), 7u);
  EXPECT_EQ(*store->Get("n"), "7");
  EXPECT_EQ(*store->Increment("n", -100, 0, true, absl::ZeroDuration()), 0u);
  EXPECT_EQ(*store->Increment("n", INT64_MIN, 0, true, absl::ZeroDuration()),
            0u);
}

TEST(MemoryIncrement, LargestDeltaFromZero) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("n", "0", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Increment("n", INT64_MAX, 0, true, absl::ZeroDuration()),
            static_cast<uint64_t>(INT64_MAX));
}

TEST(MemoryIncrement, NonNumericValueIsFailedPreconditionAndUntouched) {
  auto store = NewStore();
  for (const char* value : {"abc", "", " ", "+", "-1", "1x", "0x5",
                            "18446744073709551616"}) {
    ASSERT_TRUE(store->Set("n", value, absl::ZeroDuration()).ok());
    absl::Status s =
        store->Increment("n", 1, 0, true, absl::ZeroDuration()).status();
    EXPECT_TRUE(absl::IsFailedPrecondition(s)) << "value \"" << value << "\"";
    EXPECT_THAT(s.message(), HasSubstr("\"n\""));
    EXPECT_EQ(*store->Get("n"), value);
  }
}

// memcached's reading (strtoull): whitespace, a sign, leading zeros and a
// tail after whitespace are accepted; the result is stored plain.
TEST(MemoryIncrement, ReadsNumbersAsMemcachedDoes) {
  auto store = NewStore();
  for (const char* value : {"+1", " 1", "1 ", "\n1", "1 abc", "-0",
                            "000000000000000000001"}) {
    ASSERT_TRUE(store->Set("n", value, absl::ZeroDuration()).ok());
    const uint64_t expected = absl::string_view(value) == "-0" ? 1 : 2;
    EXPECT_EQ(*store->Increment("n", 1, 0, true, absl::ZeroDuration()),
              expected)
        << "value \"" << value << "\"";
    EXPECT_EQ(*store->Get("n"), std::to_string(expected));
  }
}

TEST(MemoryIncrement, LeadingZerosAreANumber) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("n", "007", absl::ZeroDuration()).ok());
  EXPECT_EQ(*store->Increment("n", 1, 0, true, absl::ZeroDuration()), 8u);
  EXPECT_EQ(*store->Get("n"), "8");
}

TEST(MemoryCompareAndSet, StoresOnlyWhenVersionIsCurrent) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("k", "v1", absl::ZeroDuration()).ok());
  absl::StatusOr<VersionedValue> read = store->GetVersioned("k");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->value, "v1");
  ASSERT_TRUE(
      store->CompareAndSet("k", "v2", read->version, absl::ZeroDuration())
          .ok());
  EXPECT_EQ(*store->Get("k"), "v2");
  EXPECT_TRUE(absl::IsAborted(
      store->CompareAndSet("k", "v3", read->version, absl::ZeroDuration())));
  EXPECT_EQ(*store->Get("k"), "v2");
}

TEST(MemoryCompareAndSet, EveryWriteChangesTheVersion) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("k", "1", absl::ZeroDuration()).ok());
  const uint64_t v1 = store->GetVersioned("k")->version;
  ASSERT_TRUE(store->Append("k", "0").ok());
  const uint64_t v2 = store->GetVersioned("k")->version;
  ASSERT_TRUE(store->Increment("k", 1, 0, true, absl::ZeroDuration()).ok());
  const uint64_t v3 = store->GetVersioned("k")->version;
  ASSERT_TRUE(store->Delete("k").ok());
  ASSERT_TRUE(store->Set("k", "1", absl::ZeroDuration()).ok());
  const uint64_t v4 = store->GetVersioned("k")->version;
  EXPECT_LT(v1, v2);
  EXPECT_LT(v2, v3);
  EXPECT_LT(v3, v4);
}

TEST(MemoryCompareAndSet, DeletedKeyIsNotFound) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("k", "v", absl::ZeroDuration()).ok());
  const uint64_t version = store->GetVersioned("k")->version;
  ASSERT_TRUE(store->Delete("k").ok());
  EXPECT_TRUE(absl::IsNotFound(
      store->CompareAndSet("k", "x", version, absl::ZeroDuration())));
  EXPECT_TRUE(absl::IsNotFound(store->GetVersioned("k").status()));
}

TEST(MemoryAppend, AppendAndPrependExtendTheValue) {
  auto store = NewStore();
  EXPECT_TRUE(absl::IsNotFound(store->Append("k", "x")));
  EXPECT_TRUE(absl::IsNotFound(store->Prepend("k", "x")));
  EXPECT_TRUE(absl::IsNotFound(store->Get("k").status()));
  ASSERT_TRUE(store->Set("k", "b", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Append("k", "c").ok());
  ASSERT_TRUE(store->Prepend("k", "a").ok());
  EXPECT_EQ(*store->Get("k"), "abc");
}

TEST(MemoryAppend, ResultOverMaxValueBytesIsRefusedAndValueKept) {
  auto store = NewStore({.max_value_bytes = 10});
  ASSERT_TRUE(store->Set("k", "123456789", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Append("k", "0").ok());
  absl::Status s = store->Append("k", "x");
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("max_value_bytes 10"));
  EXPECT_TRUE(absl::IsInvalidArgument(store->Prepend("k", "x")));
  EXPECT_EQ(*store->Get("k"), "1234567890");
}

TEST(MemoryStats, CountsItemsBytesHitsAndMisses) {
  auto store = NewStore({.max_bytes = 1 << 30});
  ASSERT_TRUE(store->Set("ab", "123", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Set("c", "4", absl::ZeroDuration()).ok());
  ASSERT_TRUE(store->Get("ab").ok());
  ASSERT_FALSE(store->Get("zz").ok());
  ASSERT_FALSE(store->GetVersioned("zz").ok());
  EXPECT_EQ(StatOf(*store, "curr_items"), "2");
  EXPECT_EQ(StatOf(*store, "bytes"), "7");
  EXPECT_EQ(StatOf(*store, "get_hits"), "1");
  EXPECT_EQ(StatOf(*store, "get_misses"), "2");
  EXPECT_EQ(StatOf(*store, "evictions"), "0");
  EXPECT_EQ(StatOf(*store, "limit_maxbytes"), "1073741824");
}

TEST(MemoryHealth, OneEndpointAlwaysOk) {
  auto store = NewStore();
  HealthReport report = store->Health(absl::Seconds(1));
  ASSERT_EQ(report.endpoints.size(), 1u);
  EXPECT_EQ(report.endpoints[0].endpoint, "memory");
  EXPECT_TRUE(report.endpoints[0].ok);
}

TEST(MemoryOptions, RefusesBadOptionsNamingThem) {
  struct Case {
    MemoryOptions options;
    const char* names;
  };
  const Case cases[] = {
      {{.shards = 0}, "shards"},
      {{.shards = 5000}, "shards"},
      {{.sweep_interval = absl::Seconds(-1)}, "sweep_interval"},
      {{.max_value_bytes = 0}, "max_value_bytes"},
      {{.max_bytes = 1 << 20, .shards = 16}, "max_bytes"},
  };
  for (const Case& c : cases) {
    absl::Status s = NewMemoryBackend(c.options).status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << c.names;
    EXPECT_THAT(s.message(), HasSubstr(c.names));
  }
}

TEST(MemoryOptions, BudgetThatFitsOneLargestEntryPerShardIsAccepted) {
  EXPECT_TRUE(NewMemoryBackend({.max_bytes = 1 << 20,
                                .shards = 1,
                                .max_value_bytes = (1 << 20) - 250})
                  .ok());
}

}  // namespace
}  // namespace kivi::memory_test
