// The key rules: enforced before any I/O, identically on every backend.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(ConformanceTest, InvalidKeysAreRefusedNamingTheRule) {
  const size_t ns = key_namespace().size();
  struct Case {
    std::string key;
    const char* rule;  // Text the message must contain.
  };
  const Case cases[] = {
      {"", "empty"},
      {std::string(kMaxKeyBytes + 1 - ns, 'k'), "250"},
      {"a b", "whitespace"},
      {"a\tb", "whitespace"},
      {"a\nb", "whitespace"},
      {std::string("a\0b", 3), "control"},
      {"a\x7f"
       "b",
       "control"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(QuoteKey(c.key));
    const auto code = absl::StatusCode::kInvalidArgument;
    EXPECT_THAT(kv().Set(c.key, "v"), HasCodeAndMessage(code, c.rule));
    EXPECT_THAT(kv().Get(c.key), HasCodeAndMessage(code, c.rule));
    EXPECT_THAT(kv().Delete(c.key), HasCodeAndMessage(code, c.rule));
    EXPECT_THAT(kv().BatchSet({{c.key, "v"}, {"valid", "v"}}),
                HasCodeAndMessage(code, c.rule));
    EXPECT_THAT(kv().BatchGet({"valid", c.key}),
                HasCodeAndMessage(code, c.rule));
  }
  // Nothing was stored, not even the valid half of a refused batch.
  EXPECT_THAT(kv().List(), IsOkAndHolds(IsEmpty()));
}

TEST_P(ConformanceTest, LongestKeyIsAccepted) {
  const std::string key(kMaxKeyBytes - key_namespace().size(), 'k');
  ASSERT_THAT(kv().Set(key, "v"), IsOk());
  EXPECT_THAT(kv().Get(key), IsOkAndHolds("v"));
  EXPECT_THAT(kv().List(), IsOkAndHolds(ElementsAre(key)));
  EXPECT_THAT(kv().Delete(key), IsOk());
}

TEST_P(ConformanceTest, KeysMayHoldAnyOtherByte) {
  // Punctuation, UTF-8 and bytes that are not UTF-8 at all.
  const std::string key = "user/1:{a}|\xc3\xa9\xff";
  ASSERT_THAT(kv().Set(key, "v"), IsOk());
  EXPECT_THAT(kv().Get(key), IsOkAndHolds("v"));
  EXPECT_THAT(kv().List(), IsOkAndHolds(ElementsAre(key)));
}

}  // namespace
}  // namespace kivi::testing
