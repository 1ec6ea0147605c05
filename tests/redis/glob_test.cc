#include "backends/redis/src/glob.h"

#include "gtest/gtest.h"

namespace kivi::redis {
namespace {

TEST(PrefixPattern, PlainPrefixGetsAStar) {
  EXPECT_EQ(PrefixPattern("user:"), "user:*");
  EXPECT_EQ(PrefixPattern(""), "*");
}

TEST(PrefixPattern, GlobCharactersAreEscaped) {
  EXPECT_EQ(PrefixPattern("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f*");
  EXPECT_EQ(PrefixPattern("^-{}"), "^-{}*");
}

}  // namespace
}  // namespace kivi::redis
