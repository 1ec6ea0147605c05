// The soak's verdicts on what a read may return.

#include "integration/soak/ledger.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace kivi::testing {
namespace {

using Verdict = Ledger::Verdict;

TEST(Ledger, ANeverWrittenKeyIsAbsent) {
  Ledger ledger;
  EXPECT_EQ(ledger.Check("k", std::nullopt), Verdict::kAcknowledged);
}

TEST(Ledger, TheLastAcknowledgedWriteIsRight) {
  Ledger ledger;
  const std::string v1 = ledger.NextValue("k", 3);
  ledger.Acknowledged("k", v1);
  EXPECT_EQ(ledger.Check("k", v1), Verdict::kAcknowledged);
  EXPECT_EQ(ledger.Check("k", std::nullopt), Verdict::kMiss);
}

TEST(Ledger, AnOverwrittenWriteIsWrong) {
  Ledger ledger;
  const std::string v1 = ledger.NextValue("k", 0);
  ledger.Acknowledged("k", v1);
  ledger.Acknowledged("k", ledger.NextValue("k", 0));
  EXPECT_EQ(ledger.Check("k", v1), Verdict::kOverwritten);
  EXPECT_TRUE(Ledger::IsWrong(Verdict::kOverwritten));
}

TEST(Ledger, AFailedWriteMayStillAppearEvenAfterALaterAcknowledgedOne) {
  Ledger ledger;
  const std::string failed = ledger.NextValue("k", 0);
  ledger.Failed("k", failed);
  ledger.Acknowledged("k", ledger.NextValue("k", 0));
  EXPECT_EQ(ledger.Check("k", failed), Verdict::kUncertain);
  EXPECT_FALSE(Ledger::IsWrong(Verdict::kUncertain));
}

TEST(Ledger, AnAcknowledgedDeleteLeavesTheKeyAbsent) {
  Ledger ledger;
  const std::string v1 = ledger.NextValue("k", 0);
  ledger.Acknowledged("k", v1);
  ledger.Acknowledged("k", std::nullopt);
  EXPECT_EQ(ledger.Check("k", std::nullopt), Verdict::kAcknowledged);
  EXPECT_EQ(ledger.Check("k", v1), Verdict::kOverwritten);
}

TEST(Ledger, AValueWithOtherPaddingWasNeverWritten) {
  Ledger ledger;
  ledger.Acknowledged("k", ledger.NextValue("k", 3));
  EXPECT_EQ(ledger.Check("k", "k#1#pp"), Verdict::kUnknown);
}

TEST(Ledger, AnotherKeysValueIsWrong) {
  Ledger ledger;
  const std::string other = ledger.NextValue("other", 0);
  ledger.Acknowledged("other", other);
  EXPECT_EQ(ledger.Check("k", other), Verdict::kWrongKey);
}

TEST(Ledger, AValueNeverWrittenIsWrong) {
  Ledger ledger;
  EXPECT_EQ(ledger.Check("k", "k#99#"), Verdict::kUnknown);
  EXPECT_EQ(ledger.Check("k", "garbage"), Verdict::kUnknown);
  EXPECT_TRUE(Ledger::IsWrong(Verdict::kUnknown));
}

}  // namespace
}  // namespace kivi::testing
