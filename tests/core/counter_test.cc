#include "kivi/counter.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace kivi {
namespace {

// The rules are memcached's (strtoull and its own checks), so the embedded
// stores accept exactly the counters memcached accepts.
TEST(ParseCounter, ReadsNumbersAsMemcachedDoes) {
  EXPECT_EQ(ParseCounter("0"), 0u);
  EXPECT_EQ(ParseCounter("007"), 7u);
  EXPECT_EQ(ParseCounter("000000000000000000001"), 1u);
  EXPECT_EQ(ParseCounter("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseCounter(" 5"), 5u);
  EXPECT_EQ(ParseCounter("\t7"), 7u);
  EXPECT_EQ(ParseCounter("+5"), 5u);
  EXPECT_EQ(ParseCounter("-0"), 0u);
  EXPECT_EQ(ParseCounter("1 "), 1u);
  EXPECT_EQ(ParseCounter("5 abc"), 5u);
  EXPECT_EQ(ParseCounter(absl::string_view("5\0x", 3)), 5u);
  EXPECT_FALSE(ParseCounter("18446744073709551616").has_value());
  EXPECT_FALSE(ParseCounter("").has_value());
  EXPECT_FALSE(ParseCounter(" ").has_value());
  EXPECT_FALSE(ParseCounter("-1").has_value());
  EXPECT_FALSE(ParseCounter("12a").has_value());
}

TEST(ApplyCounterDelta, IncrementsWrapAndDecrementsStopAtZero) {
  EXPECT_EQ(ApplyCounterDelta(1, 2), 3u);
  EXPECT_EQ(ApplyCounterDelta(UINT64_MAX, 1), 0u);
  EXPECT_EQ(ApplyCounterDelta(UINT64_MAX - 1, 3), 1u);
  EXPECT_EQ(ApplyCounterDelta(5, -2), 3u);
  EXPECT_EQ(ApplyCounterDelta(5, -10), 0u);
  EXPECT_EQ(ApplyCounterDelta(UINT64_MAX, INT64_MIN),
            UINT64_MAX - (uint64_t{1} << 63));
  EXPECT_EQ(ApplyCounterDelta(1, INT64_MIN), 0u);
}

}  // namespace
}  // namespace kivi
