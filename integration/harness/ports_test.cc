#include "integration/harness/ports.h"

#include <unistd.h>

#include <memory>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"

namespace kivi::testing {
namespace {

// The readiness check that keeps a test from talking to another test's
// memcached when its own lost the race for a port.
TEST(Ports, ProcessListensOnTellsWhoseListenerItIs) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(ProcessListensOn((*server)->pid(), (*server)->port()));
  EXPECT_FALSE(ProcessListensOn(::getpid(), (*server)->port()));
  EXPECT_TRUE(ServerAnswersOnPort((*server)->port()));

  absl::StatusOr<int> unused = FreePort();
  ASSERT_TRUE(unused.ok());
  EXPECT_FALSE(ProcessListensOn((*server)->pid(), *unused));
  EXPECT_FALSE(ServerAnswersOnPort(*unused));
}

}  // namespace
}  // namespace kivi::testing
