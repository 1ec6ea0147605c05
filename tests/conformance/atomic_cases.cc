// Optional conditional and atomic operations: Add, Replace, Increment,
// GetVersioned/CompareAndSet. Each case runs when the backend declares the
// capability; otherwise it checks the operations answer Unimplemented.

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::IsEmpty;

constexpr absl::StatusCode kUnimplemented = absl::StatusCode::kUnimplemented;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;

TEST_P(ConformanceTest, AddStoresOnlyWhenAbsent) {
  if (!capabilities().add) {
    EXPECT_THAT(kv().Add("k", "v"), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Add("k", "first"), IsOk());
  EXPECT_THAT(kv().Add("k", "second"),
              HasCode(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("first"));
  ASSERT_THAT(kv().Delete("k"), IsOk());
  EXPECT_THAT(kv().Add("k", "third"), IsOk());
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("third"));
}

TEST_P(ConformanceTest, ReplaceStoresOnlyWhenPresent) {
  if (!capabilities().replace) {
    EXPECT_THAT(kv().Replace("k", "v"), HasCode(kUnimplemented));
    return;
  }
  EXPECT_THAT(kv().Replace("k", "v"), HasCode(kNotFound));
  EXPECT_THAT(kv().Get("k"), HasCode(kNotFound));
  ASSERT_THAT(kv().Set("k", "old"), IsOk());
  ASSERT_THAT(kv().Replace("k", "new"), IsOk());
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("new"));
}

TEST_P(ConformanceTest, IncrementCreatesThenAdds) {
  if (!capabilities().increment) {
    EXPECT_THAT(kv().Increment("n"), HasCode(kUnimplemented));
    EXPECT_THAT(kv().Decrement("n"), HasCode(kUnimplemented));
    return;
  }
  // A created counter holds `initial`; the delta is not applied to it.
  EXPECT_THAT(kv().Increment("n", 5, {.initial = 10}), IsOkAndHolds(10u));
  EXPECT_THAT(kv().Increment("n", 5), IsOkAndHolds(15u));
  EXPECT_THAT(kv().Increment("n"), IsOkAndHolds(16u));
  // Stored as decimal text, readable by Get.
  EXPECT_THAT(kv().Get("n"), IsOkAndHolds("16"));
  EXPECT_THAT(kv().Decrement("d", 3, {.initial = 7}), IsOkAndHolds(7u));
  EXPECT_THAT(kv().Decrement("d", 3), IsOkAndHolds(4u));
}

TEST_P(ConformanceTest, IncrementOfASetNumberWrapsAt2To64) {
  if (!capabilities().increment) {
    EXPECT_THAT(kv().Increment("n"), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("n", "18446744073709551614"), IsOk());
  EXPECT_THAT(kv().Increment("n"), IsOkAndHolds(UINT64_MAX));
  EXPECT_THAT(kv().Increment("n", 3), IsOkAndHolds(2u));
}

TEST_P(ConformanceTest, DecrementStopsAtZero) {
  if (!capabilities().increment) {
    EXPECT_THAT(kv().Decrement("n"), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("n", "5"), IsOk());
  EXPECT_THAT(kv().Decrement("n", 2), IsOkAndHolds(3u));
  EXPECT_THAT(kv().Decrement("n", 10), IsOkAndHolds(0u));
  EXPECT_THAT(kv().Decrement("n"), IsOkAndHolds(0u));
}

TEST_P(ConformanceTest, IncrementOfANonNumberIsFailedPrecondition) {
  if (!capabilities().increment) {
    EXPECT_THAT(kv().Increment("n"), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("text", "abc"), IsOk());
  EXPECT_THAT(kv().Increment("text"),
              HasCode(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(kv().Decrement("text"),
              HasCode(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(kv().Get("text"), IsOkAndHolds("abc"));
}

TEST_P(ConformanceTest, IncrementWithoutCreateOfAMissingKeyIsNotFound) {
  if (!capabilities().increment) {
    EXPECT_THAT(kv().Increment("n", 1, {.create = false}),
                HasCode(kUnimplemented));
    return;
  }
  EXPECT_THAT(kv().Increment("n", 1, {.create = false}), HasCode(kNotFound));
  EXPECT_THAT(kv().Decrement("n", 1, {.create = false}), HasCode(kNotFound));
  EXPECT_THAT(kv().List(), IsOkAndHolds(IsEmpty()));
}

TEST_P(ConformanceTest, CompareAndSetStoresOnlyOverTheVersionRead) {
  if (!capabilities().compare_and_set) {
    EXPECT_THAT(kv().GetVersioned("k"), HasCode(kUnimplemented));
    EXPECT_THAT(kv().CompareAndSet("k", "v", 1), HasCode(kUnimplemented));
    return;
  }
  EXPECT_THAT(kv().GetVersioned("k"), HasCode(kNotFound));
  ASSERT_THAT(kv().Set("k", "v1"), IsOk());
  absl::StatusOr<VersionedValue> read = kv().GetVersioned("k");
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->value, "v1");
  ASSERT_THAT(kv().CompareAndSet("k", "v2", read->version), IsOk());
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("v2"));
  // The version read is spent: a second write over it conflicts.
  EXPECT_THAT(kv().CompareAndSet("k", "v3", read->version),
              HasCode(absl::StatusCode::kAborted));
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("v2"));
}

TEST_P(ConformanceTest, CompareAndSetConflictsWithAnInterveningSet) {
  if (!capabilities().compare_and_set) {
    EXPECT_THAT(kv().GetVersioned("k"), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("k", "v1"), IsOk());
  absl::StatusOr<VersionedValue> read = kv().GetVersioned("k");
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT(kv().Set("k", "other"), IsOk());
  EXPECT_THAT(kv().CompareAndSet("k", "mine", read->version),
              HasCode(absl::StatusCode::kAborted));
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("other"));
}

TEST_P(ConformanceTest, CompareAndSetOfADeletedKeyIsNotFound) {
  if (!capabilities().compare_and_set) {
    EXPECT_THAT(kv().CompareAndSet("k", "v", 1), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("k", "v1"), IsOk());
  absl::StatusOr<VersionedValue> read = kv().GetVersioned("k");
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT(kv().Delete("k"), IsOk());
  EXPECT_THAT(kv().CompareAndSet("k", "v2", read->version), HasCode(kNotFound));
  EXPECT_THAT(kv().Get("k"), HasCode(kNotFound));
}

}  // namespace
}  // namespace kivi::testing
