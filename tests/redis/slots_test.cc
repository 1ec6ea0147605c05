#include "backends/redis/src/slots.h"

#include <string>

#include "backends/redis/src/resp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::redis {
namespace {

using ::testing::ElementsAre;

TEST(Crc16, XmodemCheckValue) {
  EXPECT_EQ(Crc16("123456789"), 0x31c3);
  EXPECT_EQ(Crc16(""), 0);
}

TEST(KeySlot, MatchesRedisClusterKeyslot) {
  // Values from `redis-cli cluster keyslot` on Redis 7.0.
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("hello"), 866);
  EXPECT_EQ(KeySlot("123456789"), 12739);
}

TEST(HashTag, FirstBracePairWithContent) {
  EXPECT_EQ(HashTag("{user1000}.following"), "user1000");
  EXPECT_EQ(HashTag("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(HashTag("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(HashTag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(HashTag("{bar"), "{bar");
  EXPECT_EQ(HashTag("plain"), "plain");
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("a{user1000}"), KeySlot("user1000"));
}

// CLUSTER SLOTS for three masters (one with two ranges), RESP-encoded.
std::string ThreeMasters() {
  return "*4\r\n"
         "*3\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n"
         "*4\r\n:5461\r\n:10922\r\n*2\r\n$0\r\n\r\n:7001\r\n"
         "*2\r\n$9\r\n127.0.0.1\r\n:7004\r\n"
         "*3\r\n:10923\r\n:16000\r\n*2\r\n_\r\n:7002\r\n"
         "*3\r\n:16001\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n";
}

TEST(SlotMap, FromClusterSlots) {
  const std::string wire = ThreeMasters();
  Reply reply;
  ASSERT_EQ(ParseReply(wire, &reply).state, ParseState::kComplete);
  const absl::StatusOr<SlotMap> map =
      SlotMap::FromClusterSlots(reply, "seed.example");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_THAT(map->masters(), ElementsAre(HostPort{"127.0.0.1", 7000},
                                          HostPort{"seed.example", 7001},
                                          HostPort{"seed.example", 7002}));
  EXPECT_EQ(map->OwnerOf(0), 0);
  EXPECT_EQ(map->OwnerOf(5460), 0);
  EXPECT_EQ(map->OwnerOf(5461), 1);
  EXPECT_EQ(map->OwnerOf(16000), 2);
  EXPECT_EQ(map->OwnerOf(16383), 0);
  EXPECT_TRUE(map->Complete());
}

TEST(SlotMap, UncoveredSlotsHaveNoOwner) {
  Reply reply;
  ASSERT_EQ(
      ParseReply("*1\r\n*3\r\n:1\r\n:2\r\n*2\r\n+h\r\n:1\r\n", &reply).state,
      ParseState::kComplete);
  const absl::StatusOr<SlotMap> map = SlotMap::FromClusterSlots(reply, "s");
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->OwnerOf(0), -1);
  EXPECT_EQ(map->OwnerOf(2), 0);
  EXPECT_FALSE(map->Complete());
}

TEST(SlotMap, RejectsOtherShapes) {
  for (const char* wire : {
           ":1\r\n",
           "*1\r\n:1\r\n",
           "*1\r\n*3\r\n:5\r\n:4\r\n*2\r\n+h\r\n:1\r\n",
           "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n+h\r\n:1\r\n",
           "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n+h\r\n:0\r\n",
           "*1\r\n*3\r\n:0\r\n:1\r\n*1\r\n+h\r\n",
           "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n:1\r\n:1\r\n",
       }) {
    Reply reply;
    ASSERT_EQ(ParseReply(wire, &reply).state, ParseState::kComplete) << wire;
    const absl::StatusOr<SlotMap> map = SlotMap::FromClusterSlots(reply, "s");
    EXPECT_EQ(map.status().code(), absl::StatusCode::kInvalidArgument) << wire;
  }
}

}  // namespace
}  // namespace kivi::redis
