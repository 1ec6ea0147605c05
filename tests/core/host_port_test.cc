#include "kivi/host_port.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

using ::testing::HasSubstr;

TEST(ParseHostPort, NamesIpv4AndBracketedIpv6WithOrWithoutPort) {
  EXPECT_EQ(*ParseHostPort("h1:7000", 6379), (HostPort{"h1", 7000}));
  EXPECT_EQ(*ParseHostPort("h1", 6379), (HostPort{"h1", 6379}));
  EXPECT_EQ(*ParseHostPort("10.0.0.1:1", 6379), (HostPort{"10.0.0.1", 1}));
  EXPECT_EQ(*ParseHostPort("[::1]:65535", 6379), (HostPort{"::1", 65535}));
  EXPECT_EQ(*ParseHostPort("[fe80::1]", 6379), (HostPort{"fe80::1", 6379}));
}

TEST(ParseHostPort, ToStringBracketsIpv6) {
  EXPECT_EQ((HostPort{"::1", 6379}).ToString(), "[::1]:6379");
  EXPECT_EQ((HostPort{"h", 1}).ToString(), "h:1");
}

TEST(ParseHostPort, RejectsMalformedEntriesNamingThem) {
  for (const char* bad : {"", "h:0", "h:65536", "h:", "h:x", "::1", "[::1",
                          "[h]:1", "[::1]x", "a b:1", "h:1:2"}) {
    const absl::StatusOr<HostPort> parsed = ParseHostPort(bad, 6379);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("server \""));
  }
}

}  // namespace
}  // namespace kivi
