#include "kivi/health/checker.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

using ::testing::ElementsAre;

// A probe whose answer the test flips, counting the probes it answered.
struct FakeProbe {
  std::atomic<bool> up{true};
  std::atomic<int> probes{0};

  HealthChecker::Probe AsProbe() {
    return [this](absl::Duration) {
      ++probes;
      EndpointHealth e{"fake", up.load(), absl::Microseconds(10)};
      if (!e.ok) e.error = absl::UnavailableError("fake is down");
      return HealthReport{{e}};
    };
  }
};

HealthCheckerOptions Fast(int failures, int successes) {
  return HealthCheckerOptions{.interval = absl::Milliseconds(10),
                              .timeout = absl::Milliseconds(100),
                              .failure_threshold = failures,
                              .success_threshold = successes};
}

TEST(HealthChecker, ServesAfterTheFirstGoodProbe) {
  FakeProbe probe;
  auto checker = HealthChecker::Start(probe.AsProbe(), Fast(3, 1));
  ASSERT_TRUE(checker.ok());
  EXPECT_TRUE((*checker)->WaitFor(true, absl::Seconds(5)));
  HealthReport last = (*checker)->last_report();
  ASSERT_EQ(last.endpoints.size(), 1u);
  EXPECT_EQ(last.endpoints[0].endpoint, "fake");
}

TEST(HealthChecker, TurnsNotServingOnlyAfterTheFailureThreshold) {
  FakeProbe probe;
  auto checker = HealthChecker::Start(probe.AsProbe(), Fast(3, 1));
  ASSERT_TRUE(checker.ok());
  ASSERT_TRUE((*checker)->WaitFor(true, absl::Seconds(5)));
  int before = probe.probes.load();
  probe.up = false;
  ASSERT_TRUE((*checker)->WaitFor(false, absl::Seconds(5)));
  // Three consecutive failures were needed.
  EXPECT_GE(probe.probes.load() - before, 3);
  probe.up = true;
  EXPECT_TRUE((*checker)->WaitFor(true, absl::Seconds(5)));
}

TEST(HealthChecker, NeedsSuccessThresholdGoodProbesToRecover) {
  FakeProbe probe;
  probe.up = false;
  auto checker = HealthChecker::Start(probe.AsProbe(), Fast(1, 4));
  ASSERT_TRUE(checker.ok());
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE((*checker)->serving());
  int before = probe.probes.load();
  probe.up = true;
  ASSERT_TRUE((*checker)->WaitFor(true, absl::Seconds(5)));
  EXPECT_GE(probe.probes.load() - before, 4);
}

TEST(HealthChecker, TellsTheListenerOncePerTransition) {
  FakeProbe probe;
  absl::Mutex mu;
  std::vector<bool> transitions;
  auto checker = HealthChecker::Start(probe.AsProbe(), Fast(2, 1),
                                      [&](bool serving, const HealthReport&) {
                                        absl::MutexLock lock(&mu);
                                        transitions.push_back(serving);
                                      });
  ASSERT_TRUE(checker.ok());
  ASSERT_TRUE((*checker)->WaitFor(true, absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(50));  // More good probes: no new event.
  probe.up = false;
  ASSERT_TRUE((*checker)->WaitFor(false, absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(50));
  checker->reset();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(transitions, ElementsAre(true, false));
}

TEST(HealthChecker, RejectsBadOptions) {
  FakeProbe probe;
  EXPECT_TRUE(absl::IsInvalidArgument(
      HealthChecker::Start(probe.AsProbe(), Fast(0, 1)).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      HealthChecker::Start(probe.AsProbe(), Fast(1, 0)).status()));
  HealthCheckerOptions zero = Fast(1, 1);
  zero.interval = absl::ZeroDuration();
  EXPECT_TRUE(absl::IsInvalidArgument(
      HealthChecker::Start(probe.AsProbe(), zero).status()));
}

}  // namespace
}  // namespace kivi
