#include "kivi/codecs/decimal.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

template <typename T>
absl::StatusOr<T> Decode(absl::string_view bytes) {
  return DecimalCodec<T>().Decode(bytes);
}

template <typename T>
void ExpectDataLoss(absl::string_view bytes, absl::string_view why) {
  absl::StatusOr<T> value = Decode<T>(bytes);
  ASSERT_FALSE(value.ok()) << "\"" << bytes << "\" decoded as " << *value;
  EXPECT_TRUE(absl::IsDataLoss(value.status())) << value.status();
  EXPECT_THAT(value.status().message(), HasSubstr("decimal codec: "));
  EXPECT_THAT(value.status().message(), HasSubstr(why));
}

TEST(DecimalCodec, EncodesPlainDecimalText) {
  EXPECT_EQ(DecimalCodec<int64_t>().Encode(42), "42");
  EXPECT_EQ(DecimalCodec<int64_t>().Encode(0), "0");
  EXPECT_EQ(DecimalCodec<int64_t>().Encode(-7), "-7");
  EXPECT_EQ(DecimalCodec<uint8_t>().Encode(255), "255");
}

TEST(DecimalCodec, RoundTripsSignedLimits) {
  DecimalCodec<int64_t> codec;
  for (int64_t v :
       {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0},
        int64_t{1}, std::numeric_limits<int64_t>::max()}) {
    absl::StatusOr<int64_t> decoded = codec.Decode(codec.Encode(v));
    ASSERT_TRUE(decoded.ok()) << v << ": " << decoded.status();
    EXPECT_EQ(*decoded, v);
  }
  EXPECT_EQ(codec.Encode(std::numeric_limits<int64_t>::min()),
            "-9223372036854775808");
}

TEST(DecimalCodec, RoundTripsUnsignedLimits) {
  DecimalCodec<uint64_t> codec;
  EXPECT_EQ(codec.Encode(std::numeric_limits<uint64_t>::max()),
            "18446744073709551615");
  absl::StatusOr<uint64_t> max = codec.Decode("18446744073709551615");
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(*max, std::numeric_limits<uint64_t>::max());
}

TEST(DecimalCodec, RoundTripsSmallTypes) {
  DecimalCodec<int16_t> codec;
  absl::StatusOr<int16_t> decoded = codec.Decode(codec.Encode(-32768));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, -32768);
}

TEST(DecimalCodec, NegativeZeroIsZeroForSignedTypes) {
  absl::StatusOr<int64_t> zero = Decode<int64_t>("-0");
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(*zero, 0);
}

TEST(DecimalCodec, AcceptsLeadingZerosAsIncrDoes) {
  absl::StatusOr<uint64_t> value = Decode<uint64_t>("007");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 7u);
}

// memcached rewrites a counter that shrank on decr in place, padding it with
// spaces ("100" decr 1 is stored as "99 "); such a value must still read.
TEST(DecimalCodec, AcceptsTrailingSpacesMemcachedPadsWith) {
  absl::StatusOr<uint64_t> value = Decode<uint64_t>("99 ");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 99u);
  absl::StatusOr<int64_t> one = Decode<int64_t>("1 ");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, 1);
}

TEST(DecimalCodec, RejectsSignOnUnsigned) {
  ExpectDataLoss<uint64_t>("-0", "sign");
  ExpectDataLoss<uint64_t>("-1", "sign");
}

TEST(DecimalCodec, RejectsPlusSign) {
  ExpectDataLoss<int64_t>("+1", "not a decimal integer");
  ExpectDataLoss<uint64_t>("+1", "not a decimal integer");
}

TEST(DecimalCodec, RejectsLeadingWhitespace) {
  ExpectDataLoss<int64_t>(" 1", "not a decimal integer");
  ExpectDataLoss<int64_t>("\t1", "not a decimal integer");
}

TEST(DecimalCodec, RejectsTrailingBytesOtherThanSpaces) {
  ExpectDataLoss<int64_t>("1x", "not a decimal integer");
  ExpectDataLoss<int64_t>("1\n", "not a decimal integer");
  ExpectDataLoss<int64_t>("1\r\n", "not a decimal integer");
  ExpectDataLoss<int64_t>("1 2", "not a decimal integer");
  ExpectDataLoss<int64_t>("1.5", "not a decimal integer");
  ExpectDataLoss<int64_t>(absl::string_view("1\0", 2), "not a decimal integer");
}

TEST(DecimalCodec, RejectsInputWithoutDigits) {
  ExpectDataLoss<int64_t>("", "no digits");
  ExpectDataLoss<int64_t>("-", "no digits");
  ExpectDataLoss<int64_t>("   ", "no digits");
  ExpectDataLoss<int64_t>("--1", "not a decimal integer");
}

TEST(DecimalCodec, RejectsOverflow) {
  ExpectDataLoss<int64_t>("9223372036854775808", "does not fit");
  ExpectDataLoss<int64_t>("-9223372036854775809", "does not fit");
  ExpectDataLoss<uint64_t>("18446744073709551616", "does not fit");
  ExpectDataLoss<uint64_t>("99999999999999999999999999", "does not fit");
  ExpectDataLoss<uint8_t>("256", "does not fit an unsigned 8-bit integer");
  ExpectDataLoss<int32_t>("-2147483649", "does not fit a signed 32-bit");
}

TEST(DecimalCodec, QuotesTheBadValueEscaped) {
  ExpectDataLoss<int64_t>("1\x01", "\"1\\x01\"");
}

}  // namespace
}  // namespace kivi
