// The stress ledger's verdicts: what a read may return after acknowledged,
// failed and lost writes, and what it must never return.

#include "integration/async_stress/ledger.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace kivi::testing {
namespace {

TEST(StressLedger, AcknowledgedValueOnly) {
  StressLedger ledger("k", 2);
  EXPECT_EQ(ledger.Check(0, std::nullopt), "");  // Never written.
  const std::string a = ledger.NextValue(0);
  const std::string b = ledger.NextValue(0);
  EXPECT_NE(a, b);
  ledger.Acknowledged(0, a, ledger.epoch());
  EXPECT_EQ(ledger.Check(0, a), "");
  EXPECT_NE(ledger.Check(0, std::nullopt), "");
  ledger.Acknowledged(0, b, ledger.epoch());
  EXPECT_NE(ledger.Check(0, a), "") << "a replaced value came back";
  EXPECT_NE(ledger.Check(1, b), "") << "another key's value";
  EXPECT_NE(ledger.Check(0, "k0#99"), "") << "never written";
}

TEST(StressLedger, FailedWritesStayPossible) {
  StressLedger ledger("k", 1);
  const std::string a = ledger.NextValue(0);
  const std::string b = ledger.NextValue(0);
  const std::string c = ledger.NextValue(0);
  ledger.Acknowledged(0, a, ledger.epoch());
  ledger.Failed(0, b);
  ledger.Acknowledged(0, c, ledger.epoch());
  // A frozen server may apply b after c.
  EXPECT_EQ(ledger.Check(0, b), "");
  EXPECT_EQ(ledger.Check(0, c), "");
  EXPECT_NE(ledger.Check(0, a), "");
  EXPECT_NE(ledger.Check(0, std::nullopt), "");
  ledger.Failed(0, std::nullopt);  // A delete that may land at any time.
  ledger.Acknowledged(0, ledger.NextValue(0), ledger.epoch());
  EXPECT_EQ(ledger.Check(0, std::nullopt), "");
}

TEST(StressLedger, LostServerAllowsAbsenceUntilTheNextWrite) {
  StressLedger ledger("k", 1);
  const uint64_t before = ledger.epoch();
  const std::string a = ledger.NextValue(0);
  ledger.Acknowledged(0, a, before);
  ledger.ServerLost();
  EXPECT_EQ(ledger.Check(0, std::nullopt), "");
  // Started before the loss, acknowledged after: maybe by the lost server.
  const std::string b = ledger.NextValue(0);
  ledger.Acknowledged(0, b, before);
  EXPECT_EQ(ledger.Check(0, std::nullopt), "");
  // Started after it: stored by the new server.
  const std::string c = ledger.NextValue(0);
  ledger.Acknowledged(0, c, ledger.epoch());
  EXPECT_NE(ledger.Check(0, std::nullopt), "");
  EXPECT_EQ(ledger.Check(0, c), "");
}

}  // namespace
}  // namespace kivi::testing
