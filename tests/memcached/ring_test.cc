#include "src/ring.h"

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/server_list.h"

namespace kivi::memcached {
namespace {

std::vector<ServerAddress> Servers(std::vector<uint32_t> weights) {
  std::vector<ServerAddress> servers;
  for (size_t i = 0; i < weights.size(); ++i) {
    servers.push_back(
        ServerAddress{absl::StrCat("10.0.0.", i + 1), 11211, weights[i]});
  }
  return servers;
}

std::vector<int> CountPicks(const ServerRing& ring, int keys) {
  std::vector<int> counts(ring.server_count(), 0);
  for (int i = 0; i < keys; ++i) ++counts[ring.Pick(absl::StrCat("key:", i))];
  return counts;
}

TEST(ServerRing, RejectsEmptyListAndZeroWeight) {
  EXPECT_EQ(ServerRing::Build({}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const absl::StatusOr<ServerRing> ring = ServerRing::Build(Servers({1, 0}));
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ring.status().message(),
              ::testing::HasSubstr("10.0.0.2:11211: weight must be >= 1"));
}

TEST(ServerRing, SingleServerOwnsEveryKey) {
  const absl::StatusOr<ServerRing> ring = ServerRing::Build(Servers({5}));
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->server_count(), 1u);
  EXPECT_THAT(CountPicks(*ring, 1000), ::testing::ElementsAre(1000));
}

TEST(ServerRing, EqualWeightsShareKeysRoughlyEvenly) {
  const absl::StatusOr<ServerRing> ring = ServerRing::Build(Servers({1, 1, 1}));
  ASSERT_TRUE(ring.ok());
  for (const int count : CountPicks(*ring, 30000)) {
    EXPECT_GT(count, 7000);
    EXPECT_LT(count, 13000);
  }
}

TEST(ServerRing, WeightScalesTheShare) {
  const absl::StatusOr<ServerRing> ring = ServerRing::Build(Servers({1, 3}));
  ASSERT_TRUE(ring.ok());
  const std::vector<int> counts = CountPicks(*ring, 40000);
  EXPECT_GT(counts[1], 2 * counts[0]);
}

TEST(ServerRing, AddingAServerMovesAboutItsShareOfKeys) {
  const absl::StatusOr<ServerRing> three =
      ServerRing::Build(Servers({1, 1, 1}));
  const absl::StatusOr<ServerRing> four =
      ServerRing::Build(Servers({1, 1, 1, 1}));
  ASSERT_TRUE(three.ok() && four.ok());
  int moved_elsewhere = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string key = absl::StrCat("key:", i);
    const size_t after = four->Pick(key);
    if (after != 3 && after != three->Pick(key)) ++moved_elsewhere;
  }
  // Consistent hashing: keys only move to the new server.
  EXPECT_EQ(moved_elsewhere, 0);
}

TEST(ServerRing, PickIsDeterministic) {
  const absl::StatusOr<ServerRing> a = ServerRing::Build(Servers({1, 2, 3}));
  const absl::StatusOr<ServerRing> b = ServerRing::Build(Servers({1, 2, 3}));
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 1000; ++i) {
    const std::string key = absl::StrCat("k", i);
    EXPECT_EQ(a->Pick(key), b->Pick(key));
  }
}

}  // namespace
}  // namespace kivi::memcached
