#include "integration/async_stress/freeze_scenario.h"

#include <signal.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "integration/async_stress/ledger.h"
#include "integration/async_stress/stress_load.h"

namespace kivi::testing {
namespace {

// How long to wait for progress after the server is back.
constexpr absl::Duration kRecovery = absl::Seconds(5);

StressOptions Options(const std::string& address, bool async_batches) {
  StressOptions options;
  options.async_batches = async_batches;
  options.timeout = kStressTimeout;
  options.margin = kStressMargin;
  options.server = address;
  return options;
}

// Waits until the load has completed more calls OK than `before`.
bool Progress(const StressLoad& load, int64_t before) {
  const absl::Time deadline = absl::Now() + kRecovery;
  while (load.ok_calls() <= before) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

}  // namespace

std::string StressParams(bool keep_admitted) {
  return absl::StrCat(
      "timeout=", absl::ToInt64Milliseconds(kStressTimeout),
      "ms&connect_timeout=300ms&max_conns=2&retry_timeout=200ms",
      keep_admitted ? "&failure_limit=1000000" : "");
}

void FreezeAndKill(std::unique_ptr<Client> kv, const StressServer& server,
                   bool async_batches) {
  const StressOptions options = Options(server.address, async_batches);
  StressLedger ledger("stress:", StressLoad::KeysNeeded(options));
  StressLoad load(*kv, ledger, options);
  load.Start();

  absl::SleepFor(absl::Seconds(1));
  EXPECT_GT(load.ok_calls(), 0) << "no progress before any fault";

  server.signal(SIGSTOP);  // Returns once every server thread is stopped.
  absl::SleepFor(absl::Milliseconds(1500));
  int64_t before = load.ok_calls();
  server.signal(SIGCONT);
  EXPECT_TRUE(Progress(load, before)) << "no progress after SIGCONT";
  absl::SleepFor(absl::Seconds(1));

  server.signal(SIGKILL);
  absl::SleepFor(absl::Seconds(1));
  // Before the restart: a read may reach the new, empty server as soon as
  // it listens.
  ledger.ServerLost();
  const absl::Status restarted = server.restart();
  EXPECT_TRUE(restarted.ok()) << restarted;
  before = load.ok_calls();
  EXPECT_TRUE(Progress(load, before)) << "no progress after the restart";
  absl::SleepFor(absl::Seconds(1));

  load.Stop(kStressTimeout + kStressMargin + absl::Seconds(2));
  load.VerifyAll();
  const StressReport report = load.report();
  kv.reset();  // Late callbacks, if any, must still find the load.

  SCOPED_TRACE(report.ToString());
  std::printf("%s: %s\n", server.address.c_str(), report.ToString().c_str());
  EXPECT_EQ(report.wrong, 0);
  EXPECT_EQ(report.late, 0);
  EXPECT_EQ(report.unexpected_errors, 0);
  EXPECT_EQ(report.unnamed_errors, 0);
  EXPECT_EQ(report.callbacks_repeated, 0);
  EXPECT_EQ(report.callbacks_missing, 0);
  EXPECT_GT(report.async_calls, 0);
  EXPECT_GT(report.values_checked, 0);
  EXPECT_GT(report.failed_calls, 0) << "the faults went unnoticed";
}

}  // namespace kivi::testing
