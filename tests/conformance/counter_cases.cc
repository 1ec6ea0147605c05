// Counters and versions on awkward input, where stores used to disagree
// (found by the differential test, integration/differential): what a
// counter's stored text reads as, what an arithmetic result is stored as,
// and version 0. Each case runs when the backend declares the capability.

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

constexpr absl::StatusCode kUnimplemented = absl::StatusCode::kUnimplemented;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;
constexpr absl::StatusCode kFailedPrecondition =
    absl::StatusCode::kFailedPrecondition;

// A result shorter than the number it replaces is stored as plain decimal
// (memcached rewrites it in place padded with spaces: "9 ").
TEST_P(ConformanceTest, ArithmeticThatShortensANumberStoresPlainDecimal) {
  if (!capabilities().increment) {
    EXPECT_THAT(kv().Decrement("n"), HasCode(kUnimplemented));
    return;
  }
  ASSERT_THAT(kv().Set("n", "10"), IsOk());
  EXPECT_THAT(kv().Decrement("n"), IsOkAndHolds(9u));
  EXPECT_THAT(kv().Get("n"), IsOkAndHolds("9"));
  ASSERT_THAT(kv().Set("n", "1000", {.ttl = absl::Hours(1)}), IsOk());
  EXPECT_THAT(kv().Decrement("n", 995), IsOkAndHolds(5u));
  EXPECT_THAT(kv().BatchGet({"n"}), IsOk());
  EXPECT_EQ(kv().BatchGet({"n"})->found.at("n"), "5");
  EXPECT_THAT(kv().Decrement("n", 10), IsOkAndHolds(0u));
  EXPECT_THAT(kv().Get("n"), IsOkAndHolds("0"));
  // Wrapping past 2^64 shortens too.
  ASSERT_THAT(kv().Set("w", "18446744073709551615"), IsOk());
  EXPECT_THAT(kv().Increment("w", 2), IsOkAndHolds(1u));
  EXPECT_THAT(kv().Get("w"), IsOkAndHolds("1"));
  // The rewritten counter keeps counting and appending.
  EXPECT_THAT(kv().Increment("w"), IsOkAndHolds(2u));
  if (capabilities().append_prepend) {
    ASSERT_THAT(kv().Append("n", "1"), IsOk());
    EXPECT_THAT(kv().Get("n"), IsOkAndHolds("01"));
  }
}

// Every store reads a counter as memcached does (C's strtoull and its
// checks): leading whitespace, a sign, leading zeros and anything after a
// whitespace byte are accepted; the result is stored as plain decimal.
TEST_P(ConformanceTest, IncrementReadsNumbersAsMemcachedDoes) {
  if (!capabilities().increment) {
    EXPECT_THAT(kv().Increment("n"), HasCode(kUnimplemented));
    return;
  }
  const struct {
    std::string stored;
    uint64_t plus_one;
  } kNumbers[] = {
      {"007", 8},
      {" 5", 6},
      {"\t7", 8},
      {"5 ", 6},
      {"5 abc", 6},
      {std::string("5\0x", 3), 6},
      {"+5", 6},
      {"-0", 1},
      {"0000000000000000000000042", 43},
      {std::string(1000, '0') + "7", 8},
  };
  for (const auto& n : kNumbers) {
    ASSERT_THAT(kv().Set("n", n.stored), IsOk());
    EXPECT_THAT(kv().Increment("n"), IsOkAndHolds(n.plus_one)) << n.stored;
    EXPECT_THAT(kv().Get("n"), IsOkAndHolds(std::to_string(n.plus_one)))
        << n.stored;
  }
  for (const std::string& text :
       {std::string(""), std::string(" "), std::string("-1"), std::string("-5"),
        std::string("0x5"), std::string("5x"),
        std::string("18446744073709551616"), std::string("+"),
        std::string("abc")}) {
    ASSERT_THAT(kv().Set("t", text), IsOk());
    EXPECT_THAT(kv().Increment("t"), HasCode(kFailedPrecondition)) << text;
    EXPECT_THAT(kv().Decrement("t"), HasCode(kFailedPrecondition)) << text;
    EXPECT_THAT(kv().Get("t"), IsOkAndHolds(text));
  }
}

// No version is ever 0: it conflicts with a present key, and an absent key
// is NotFound as for any other version.
TEST_P(ConformanceTest, CompareAndSetWithVersionZero) {
  if (!capabilities().compare_and_set) {
    EXPECT_THAT(kv().CompareAndSet("k", "v", 0), HasCode(kUnimplemented));
    return;
  }
  EXPECT_THAT(kv().CompareAndSet("k", "v", 0), HasCode(kNotFound));
  EXPECT_THAT(kv().Get("k"), HasCode(kNotFound));
  ASSERT_THAT(kv().Set("k", "v1"), IsOk());
  EXPECT_THAT(kv().CompareAndSet("k", "v2", 0),
              HasCode(absl::StatusCode::kAborted));
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("v1"));
}

}  // namespace
}  // namespace kivi::testing
