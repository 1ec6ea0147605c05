// Optional operations on existing entries and on the whole store: Touch,
// GetAndTouch, Append, Prepend, Flush, Stats. Each case runs when the
// backend declares the capability; otherwise it checks the operations
// answer Unimplemented.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;

constexpr absl::StatusCode kUnimplemented = absl::StatusCode::kUnimplemented;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;

TEST_P(ConformanceTest, TouchAndGetAndTouchSetANewTtl) {
  if (!capabilities().touch) {
    EXPECT_THAT(kv().Touch("k", absl::Hours(1)), HasCode(kUnimplemented));
    EXPECT_THAT(kv().GetAndTouch("k", absl::Hours(1)), HasCode(kUnimplemented));
    return;
  }
  const absl::Duration ttl = ShortTtl();
  ASSERT_THAT(kv().Set("shortened", "a"), IsOk());
  ASSERT_THAT(kv().Set("extended", "b", {.ttl = ttl}), IsOk());
  ASSERT_THAT(kv().Set("read-shortened", "c"), IsOk());
  ASSERT_THAT(kv().Set("read-extended", "d", {.ttl = ttl}), IsOk());
  ASSERT_THAT(kv().Touch("shortened", ttl), IsOk());
  ASSERT_THAT(kv().Touch("extended", absl::Hours(1)), IsOk());
  EXPECT_THAT(kv().GetAndTouch("read-shortened", ttl), IsOkAndHolds("c"));
  EXPECT_THAT(kv().GetAndTouch("read-extended", absl::Hours(1)),
              IsOkAndHolds("d"));

  SleepPast(ttl);
  EXPECT_THAT(kv().Get("shortened"), HasCode(kNotFound));
  EXPECT_THAT(kv().Get("extended"), IsOkAndHolds("b"));
  EXPECT_THAT(kv().Get("read-shortened"), HasCode(kNotFound));
  EXPECT_THAT(kv().Get("read-extended"), IsOkAndHolds("d"));
}

TEST_P(ConformanceTest, TouchOfAMissingKeyIsNotFound) {
  if (!capabilities().touch) {
    EXPECT_THAT(kv().Touch("k", absl::Hours(1)), HasCode(kUnimplemented));
    return;
  }
  EXPECT_THAT(kv().Touch("k", absl::Hours(1)), HasCode(kNotFound));
  EXPECT_THAT(kv().GetAndTouch("k", absl::Hours(1)), HasCode(kNotFound));
  EXPECT_THAT(kv().Touch("k", absl::Seconds(-1)),
              HasCode(absl::StatusCode::kInvalidArgument));
}

TEST_P(ConformanceTest, AppendAndPrependExtendAnExistingValue) {
  if (!capabilities().append_prepend) {
    EXPECT_THAT(kv().Append("k", "x"), HasCode(kUnimplemented));
    EXPECT_THAT(kv().Prepend("k", "x"), HasCode(kUnimplemented));
    return;
  }
  EXPECT_THAT(kv().Append("k", "x"), HasCode(kNotFound));
  EXPECT_THAT(kv().Prepend("k", "x"), HasCode(kNotFound));
  EXPECT_THAT(kv().Get("k"), HasCode(kNotFound));
  ASSERT_THAT(kv().Set("k", "mid"), IsOk());
  ASSERT_THAT(kv().Append("k", "-end"), IsOk());
  ASSERT_THAT(kv().Prepend("k", "start-"), IsOk());
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("start-mid-end"));
  ASSERT_THAT(kv().Append("k", std::string("\0\r\n", 3)), IsOk());
  EXPECT_THAT(kv().Get("k"),
              IsOkAndHolds(std::string("start-mid-end\0\r\n", 16)));
}

TEST_P(ConformanceTest, AppendPastMaxValueBytesIsRefusedAndValueKept) {
  if (!capabilities().append_prepend) {
    EXPECT_THAT(kv().Append("k", "x"), HasCode(kUnimplemented));
    return;
  }
  const size_t limit = kv().options().max_value_bytes;
  const std::string almost(limit - 1, 'a');
  ASSERT_THAT(kv().Set("k", almost), IsOk());
  EXPECT_THAT(kv().Append("k", "xy"),
              HasCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(kv().Prepend("k", "xy"),
              HasCode(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<std::string> kept = kv().Get("k");
  ASSERT_THAT(kept, IsOk());
  EXPECT_TRUE(*kept == almost) << "a refused append changed the value";
  EXPECT_THAT(kv().Append("k", "z"), IsOk());
}

// Flush empties the whole store, other tests' namespaces included, so
// these cases assert only on their own keys.
TEST_P(ConformanceTest, FlushInvalidatesEveryEarlierWrite) {
  if (!capabilities().flush) {
    EXPECT_THAT(kv().Flush(), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("a", "1"), IsOk());
  ASSERT_THAT(kv().Set("b", "2", {.ttl = absl::Hours(1)}), IsOk());
  ASSERT_THAT(kv().Flush(), IsOk());
  EXPECT_THAT(kv().Get("a"), HasCode(kNotFound));
  EXPECT_THAT(kv().Get("b"), HasCode(kNotFound));
  EXPECT_THAT(kv().List(), IsOkAndHolds(IsEmpty()));
  ASSERT_THAT(kv().Set("a", "3"), IsOk());
  EXPECT_THAT(kv().Get("a"), IsOkAndHolds("3"));
}

TEST_P(ConformanceTest, FlushWithDelayInvalidatesAtItsTime) {
  if (!capabilities().flush || !capabilities().delayed_flush) {
    EXPECT_THAT(kv().Flush(absl::Seconds(1)), HasCode(kUnimplemented));
    return;
  }
  const absl::Duration delay = ShortTtl();
  ASSERT_THAT(kv().Set("before", "v"), IsOk());
  ASSERT_THAT(kv().Flush(delay), IsOk());
  EXPECT_THAT(kv().Get("before"), IsOkAndHolds("v"));
  SleepPast(delay);
  EXPECT_THAT(kv().Get("before"), HasCode(kNotFound));
  ASSERT_THAT(kv().Set("after", "v"), IsOk());
  EXPECT_THAT(kv().Get("after"), IsOkAndHolds("v"));
}

TEST_P(ConformanceTest, StatsReportsEveryEndpoint) {
  if (!capabilities().stats) {
    EXPECT_THAT(kv().Stats(), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("k", "v"), IsOk());
  absl::StatusOr<std::vector<EndpointStats>> stats = kv().Stats();
  ASSERT_THAT(stats, IsOkAndHolds(Not(IsEmpty())));
  for (const EndpointStats& endpoint : *stats) {
    EXPECT_THAT(endpoint.endpoint, Not(IsEmpty()));
    EXPECT_THAT(endpoint.values, Not(IsEmpty())) << endpoint.endpoint;
  }
}

}  // namespace
}  // namespace kivi::testing
