#include "kivi/host_port.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

constexpr HostPortRules kRedisRules{.default_port = 6379};

TEST(ParsePort, AcceptsTheWholeRangeAndNothingBeyond) {
  EXPECT_EQ(*ParsePort("1", "port"), 1);
  EXPECT_EQ(*ParsePort("65535", "port"), 65535);
  EXPECT_EQ(*ParsePort("0", "listen", /*min_port=*/0), 0);
  for (const char* bad : {"0", "65536", "99999", "100000", "4294967297", "",
                          "-1", "+80", " 80", "80a", "0x50"}) {
    absl::StatusOr<uint16_t> port = ParsePort(bad, "port");
    EXPECT_TRUE(absl::IsInvalidArgument(port.status())) << bad;
  }
}

TEST(ParseHostPort, NamesIpv4AndBracketedIpv6WithOrWithoutPort) {
  EXPECT_EQ(*ParseHostPort("h1:7000", "server", kRedisRules),
            (HostPort{"h1", 7000}));
  EXPECT_EQ(*ParseHostPort("h1", "server", kRedisRules),
            (HostPort{"h1", 6379}));
  EXPECT_EQ(*ParseHostPort("10.0.0.1:1", "server", kRedisRules),
            (HostPort{"10.0.0.1", 1}));
  EXPECT_EQ(*ParseHostPort("[::1]:65535", "server", kRedisRules),
            (HostPort{"::1", 65535}));
  EXPECT_EQ(*ParseHostPort("[fe80::1]", "server", kRedisRules),
            (HostPort{"fe80::1", 6379}));
}

TEST(ParseHostPort, ToStringBracketsIpv6) {
  EXPECT_EQ((HostPort{"::1", 6379}).ToString(), "[::1]:6379");
  EXPECT_EQ((HostPort{"h", 1}).ToString(), "h:1");
}

TEST(ParseHostPort, RejectsMalformedEntriesNamingThem) {
  for (const char* bad : {"", "h:0", "h:65536", "h:", "h:x", "::1", "[::1",
                          "[h]:1", "[::1]x", "a b:1", "h:1:2"}) {
    const absl::StatusOr<HostPort> parsed =
        ParseHostPort(bad, "server", kRedisRules);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("server \""));
  }
}

TEST(ParseHostPort, OutOfRangePortIsInvalidArgumentNamingIt) {
  absl::StatusOr<HostPort> address =
      ParseHostPort("127.0.0.1:99999", "--listen", {.min_port = 0});
  ASSERT_TRUE(absl::IsInvalidArgument(address.status()));
  EXPECT_THAT(address.status().message(),
              HasSubstr("--listen \"127.0.0.1:99999\""));
  EXPECT_THAT(address.status().message(), HasSubstr("0..65535"));
}

TEST(ParseHostPort, WithoutADefaultAPortAndAHostAreRequired) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":7070", "[::1]",
                          "[::1]7070", "[]:1", "::1:7070", "h:0"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseHostPort(bad, "addr").status()))
        << bad;
  }
}

}  // namespace
}  // namespace kivi
