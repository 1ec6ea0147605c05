// The harness's child processes.

#include "integration/harness/child_process.h"

#include <signal.h>
#include <unistd.h>

#include <memory>

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace kivi::testing
