#include "integration/harness/redis_process.h"

#include <signal.h>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "integration/harness/ports.h"

namespace kivi::testing {
namespace {

TEST(RedisProcess, ServesOnItsPortAndStops) {
  KIVI_REQUIRE_REDIS();
  absl::StatusOr<std::unique_ptr<RedisProcess>> server = RedisProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(ProcessListensOn((*server)->pid(), (*server)->port()));
  ASSERT_TRUE((*server)->Cli({"set", "k", "v"}).ok());
  EXPECT_EQ(*(*server)->Cli({"get", "k"}), "v");
  const int port = (*server)->port();
  server->reset();
  EXPECT_TRUE(PortIsFree(port));
}

TEST(RedisCluster, ThreeMastersCoverEverySlot) {
  KIVI_REQUIRE_REDIS();
  absl::StatusOr<std::unique_ptr<RedisCluster>> cluster = RedisCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_EQ((*cluster)->nodes().size(), 3u);
  absl::StatusOr<std::string> info =
      (*cluster)->node(1).Cli({"cluster", "info"});
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(absl::StrContains(*info, "cluster_slots_assigned:16384"));
  EXPECT_TRUE(absl::StrContains(*info, "cluster_known_nodes:3"));
}

}  // namespace
}  // namespace kivi::testing
