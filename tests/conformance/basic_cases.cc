// Set, Get, Delete and the value rules: what every backend must do.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST_P(ConformanceTest, SetThenGetReturnsTheValue) {
  ASSERT_THAT(kv().Set("greeting", "hello"), IsOk());
  EXPECT_THAT(kv().Get("greeting"), IsOkAndHolds("hello"));
}

TEST_P(ConformanceTest, SetOverwritesTheValue) {
  ASSERT_THAT(kv().Set("k", "first"), IsOk());
  ASSERT_THAT(kv().Set("k", "second"), IsOk());
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("second"));
}

TEST_P(ConformanceTest, MissIsNotFound) {
  EXPECT_THAT(kv().Get("never-written"), HasCode(absl::StatusCode::kNotFound));
}

TEST_P(ConformanceTest, DeleteRemovesTheKey) {
  ASSERT_THAT(kv().Set("k", "v"), IsOk());
  ASSERT_THAT(kv().Delete("k"), IsOk());
  EXPECT_THAT(kv().Get("k"), HasCode(absl::StatusCode::kNotFound));
}

TEST_P(ConformanceTest, DeleteOfMissingKeyIsOk) {
  EXPECT_THAT(kv().Delete("never-written"), IsOk());
}

TEST_P(ConformanceTest, EmptyValueIsAValueNotAMiss) {
  ASSERT_THAT(kv().Set("empty", ""), IsOk());
  EXPECT_THAT(kv().Get("empty"), IsOkAndHolds(""));
}

TEST_P(ConformanceTest, EveryByteValueRoundTrips) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  all_bytes += "\r\nEND\r\n";  // Text protocols' terminators, as data.
  ASSERT_THAT(kv().Set("bytes", all_bytes), IsOk());
  EXPECT_THAT(kv().Get("bytes"), IsOkAndHolds(all_bytes));
}

TEST_P(ConformanceTest, LargestValueIsStoredAndOneByteMoreIsRefused) {
  const size_t limit = kv().options().max_value_bytes;
  // Not one repeated byte, so truncation or misplaced chunks would show.
  std::string largest(limit, '\0');
  for (size_t i = 0; i < limit; ++i) largest[i] = static_cast<char>(i * 7);
  ASSERT_THAT(kv().Set("big", largest), IsOk());
  EXPECT_THAT(kv().Get("big"), IsOkAndHolds(largest));

  absl::Status over = kv().Set("big", std::string(limit + 1, 'x'));
  EXPECT_THAT(over,
              HasCodeAndMessage(absl::StatusCode::kInvalidArgument, "\"big\""));
  EXPECT_THAT(over.message(), HasSubstr(std::to_string(limit)));
  absl::StatusOr<std::string> kept = kv().Get("big");
  ASSERT_THAT(kept, IsOk());
  EXPECT_TRUE(*kept == largest) << "the refused write changed the value";
}

TEST_P(ConformanceTest, HealthReportsEveryEndpointOk) {
  HealthReport report = kv().Health();
  EXPECT_TRUE(report.ok()) << report.ToString();
  ASSERT_THAT(report.endpoints, ::testing::Not(IsEmpty()));
  for (const EndpointHealth& endpoint : report.endpoints) {
    EXPECT_THAT(endpoint.endpoint, ::testing::Not(IsEmpty()));
    EXPECT_TRUE(endpoint.ok) << endpoint.endpoint << ": " << endpoint.error;
  }
}

TEST_P(ConformanceTest, FreshNamespaceIsEmpty) {
  EXPECT_THAT(kv().List(), IsOkAndHolds(SizeIs(0)));
}

}  // namespace
}  // namespace kivi::testing
