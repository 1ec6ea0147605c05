// List and the batch operations.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST_P(ConformanceTest, ListReturnsLiveKeysWithThePrefixSorted) {
  for (const char* key :
       {"user:2", "user:10", "user:1", "userx", "order:1", "user:3"}) {
    ASSERT_THAT(kv().Set(key, "v"), IsOk());
  }
  ASSERT_THAT(kv().Delete("user:3"), IsOk());
  // Bytewise order, namespace stripped, the deleted key gone.
  EXPECT_THAT(kv().List("user:"),
              IsOkAndHolds(ElementsAre("user:1", "user:10", "user:2")));
  EXPECT_THAT(kv().List("user"), IsOkAndHolds(ElementsAre("user:1", "user:10",
                                                          "user:2", "userx")));
  EXPECT_THAT(kv().List(),
              IsOkAndHolds(ElementsAre("order:1", "user:1", "user:10", "user:2",
                                       "userx")));
  EXPECT_THAT(kv().List("nothing"), IsOkAndHolds(IsEmpty()));
}

TEST_P(ConformanceTest, ListPrefixFollowsTheKeyRules) {
  EXPECT_THAT(kv().List("a b"), HasCode(absl::StatusCode::kInvalidArgument));
}

TEST_P(ConformanceTest, BatchGetReportsHitsAndLeavesMissesOut) {
  ASSERT_THAT(kv().Set("a", "1"), IsOk());
  ASSERT_THAT(kv().Set("b", ""), IsOk());
  absl::StatusOr<BatchGetResult> got =
      kv().BatchGet({"a", "missing", "b", "a", "also-missing"});
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->found, UnorderedElementsAre(Pair("a", "1"), Pair("b", "")));
  EXPECT_THAT(got->failed, IsEmpty());
}

TEST_P(ConformanceTest, BatchGetOfNoKeysIsEmpty) {
  absl::StatusOr<BatchGetResult> got = kv().BatchGet({});
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->found, IsEmpty());
  EXPECT_THAT(got->failed, IsEmpty());
}

TEST_P(ConformanceTest, BatchSetStoresEveryPairAndTheLastDuplicateWins) {
  ASSERT_THAT(kv().Set("b", "old"), IsOk());
  absl::StatusOr<BatchWriteResult> set =
      kv().BatchSet({{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", ""}});
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE(set->ok());
  EXPECT_THAT(kv().Get("a"), IsOkAndHolds("3"));
  EXPECT_THAT(kv().Get("b"), IsOkAndHolds("2"));
  EXPECT_THAT(kv().Get("c"), IsOkAndHolds(""));
  EXPECT_THAT(kv().List(), IsOkAndHolds(ElementsAre("a", "b", "c")));
}

TEST_P(ConformanceTest, BatchSetRefusesAnOversizeValueAndStoresNothing) {
  const std::string over(kv().options().max_value_bytes + 1, 'x');
  EXPECT_THAT(kv().BatchSet({{"a", "1"}, {"b", over}}),
              HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "\"b\""));
  EXPECT_THAT(kv().List(), IsOkAndHolds(IsEmpty()));
}

TEST_P(ConformanceTest, BatchDeleteRemovesPresentKeysAndIgnoresMissing) {
  ASSERT_THAT(kv().BatchSet({{"a", "1"}, {"b", "2"}, {"c", "3"}}),
              IsOkAndHolds(::testing::Property(&BatchWriteResult::ok, true)));
  absl::StatusOr<BatchWriteResult> deleted =
      kv().BatchDelete({"a", "missing", "c", "a"});
  ASSERT_THAT(deleted, IsOk());
  EXPECT_TRUE(deleted->ok());
  EXPECT_THAT(kv().Get("a"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT(kv().Get("c"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT(kv().List(), IsOkAndHolds(ElementsAre("b")));
}

TEST_P(ConformanceTest, BatchesOfManyKeysRoundTrip) {
  std::vector<KeyValue> entries;
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) {
    keys.push_back("key" + std::to_string(i));
    entries.push_back({keys.back(), std::string(i, 'v')});
  }
  absl::StatusOr<BatchWriteResult> set = kv().BatchSet(entries);
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE(set->ok());
  absl::StatusOr<BatchGetResult> got = kv().BatchGet(keys);
  ASSERT_THAT(got, IsOk());
  ASSERT_EQ(got->found.size(), keys.size());
  for (const KeyValue& entry : entries) {
    EXPECT_EQ(got->found[entry.key], entry.value) << entry.key;
  }
  ASSERT_THAT(kv().BatchDelete(keys), IsOk());
  EXPECT_THAT(kv().List(), IsOkAndHolds(IsEmpty()));
}

}  // namespace
}  // namespace kivi::testing
