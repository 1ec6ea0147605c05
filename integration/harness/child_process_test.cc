// The harness's child processes.

#include "integration/harness/child_process.h"

#include <signal.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/ports.h"

namespace kivi::testing {
namespace {

// Found when a soak ran detached from its shell: the kernel sent SIGHUP to
// the test's orphaned process group because a frozen server was in it.
TEST(ChildProcess, RunsInAProcessGroupOfItsOwn) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({"/bin/sleep", "30"});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(::getpgid((*child)->pid()), (*child)->pid());
  EXPECT_NE(::getpgid((*child)->pid()), ::getpgrp());
}

TEST(ChildProcess, StoppedChildIsStillRunningAndStopEndsIt) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({"/bin/sleep", "30"});
  ASSERT_TRUE(child.ok()) << child.status();
  (*child)->Signal(SIGSTOP);
  EXPECT_TRUE((*child)->Running());
  (*child)->Stop();
  EXPECT_FALSE((*child)->Running());
}

// kill(SIGSTOP) returns before the child's threads stop, and until they
// have, a "frozen" server still answers (ThreeServers.FrozenServer... once
// saw all 60 Gets answered in 179 ms). Signal(SIGSTOP) waits for the stop.
TEST(ChildProcess, SigstopReturnsOnceEveryThreadIsStopped) {
  KIVI_REQUIRE_MEMCACHED();
  // memcached runs a dozen threads: workers, crawler, maintainers.
  absl::StatusOr<int> port = FreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({MemcachedBinary(), "-l", "127.0.0.1", "-p",
                           absl::StrCat(*port), "-U", "0", "-u", "root"});
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(
      (*child)
          ->WaitUntil([&] { return ProcessListensOn((*child)->pid(), *port); },
                      absl::Seconds(10))
          .ok());
  for (int round = 0; round < 20; ++round) {
    (*child)->Signal(SIGSTOP);
    EXPECT_TRUE((*child)->AllThreadsStopped()) << "round " << round;
    (*child)->Signal(SIGCONT);
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace
}  // namespace kivi::testing
