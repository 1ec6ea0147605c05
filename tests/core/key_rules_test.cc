#include "kivi/key_rules.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

TEST(ValidateKey, AcceptsPrintableKeysUpToTheLimit) {
  EXPECT_TRUE(ValidateKey("a", "a").ok());
  std::string longest(kMaxKeyBytes, 'k');
  EXPECT_TRUE(ValidateKey(longest, longest).ok());
  EXPECT_TRUE(ValidateKey("caf\xc3\xa9", "caf\xc3\xa9").ok());
}

TEST(ValidateKey, RejectsEmptyKey) {
  absl::Status s = ValidateKey("", "ns:");
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("empty"));
}

TEST(ValidateKey, CountsTheNamespaceAgainstTheLimit) {
  std::string user(kMaxKeyBytes - 2, 'k');
  absl::Status s = ValidateKey(user, "ns:" + user);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("251 bytes"));
  EXPECT_THAT(s.message(), HasSubstr("limit is 250"));
}

TEST(ValidateKey, NamesTheOffendingByte) {
  absl::Status s = ValidateKey("a b", "a b");
  EXPECT_EQ(s.message(), "key \"a b\" contains whitespace (byte 1)");
  s = ValidateKey(absl::string_view("a\0b", 3), absl::string_view("a\0b", 3));
  EXPECT_EQ(s.message(), "key \"a\\x00b\" contains control byte 0x00 (byte 1)");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateKey("a\tb", "a\tb")));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateKey("a\nb", "a\nb")));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateKey("a\x7f", "a\x7f")));
}

TEST(ValidateValue, NamesKeySizeAndLimit) {
  EXPECT_TRUE(ValidateValue("k", std::string(10, 'v'), 10).ok());
  absl::Status s = ValidateValue("k", std::string(11, 'v'), 10);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(s.message(),
            "value for key \"k\" is 11 bytes; max_value_bytes is 10");
}

TEST(ValidateTtl, RejectsNegative) {
  EXPECT_TRUE(ValidateTtl("k", absl::ZeroDuration()).ok());
  EXPECT_TRUE(ValidateTtl("k", absl::Seconds(1)).ok());
  absl::Status s = ValidateTtl("k", absl::Seconds(-1));
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("negative"));
}

TEST(ValidateTtl, RejectsMoreThanTheLimitNamingIt) {
  EXPECT_TRUE(ValidateTtl("k", kMaxTtl).ok());
  for (absl::Duration over :
       {kMaxTtl + absl::Nanoseconds(1), absl::Hours(24 * 365 * 20),
        absl::InfiniteDuration()}) {
    absl::Status s = ValidateTtl("k", over);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << over;
    EXPECT_THAT(s.message(), HasSubstr("\"k\""));
    EXPECT_THAT(s.message(), HasSubstr("limit of 365 days"));
  }
}

TEST(ValidateDelay, AppliesTheTtlRuleAndNamesWhat) {
  EXPECT_TRUE(ValidateDelay("flush delay", absl::ZeroDuration()).ok());
  EXPECT_TRUE(ValidateDelay("flush delay", kMaxTtl).ok());
  absl::Status s = ValidateDelay("flush delay", kMaxTtl + absl::Seconds(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("flush delay is 8760h1s"));
  EXPECT_THAT(s.message(), HasSubstr("limit of 365 days"));
  EXPECT_TRUE(
      absl::IsInvalidArgument(ValidateDelay("flush delay", absl::Seconds(-1))));
}

TEST(QuoteKey, EscapesAndTruncates) {
  EXPECT_EQ(QuoteKey("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(QuoteKey(std::string(100, 'x')),
            "\"" + std::string(64, 'x') + "...\"");
}

}  // namespace
}  // namespace kivi
