#include "kivi/host_port.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace kivi {
namespace {

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

TEST(ParseHostPort, SplitsHostAndPort) {
  absl::StatusOr<HostPort> v4 = ParseHostPort("127.0.0.1:7070", "addr");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 7070);
  absl::StatusOr<HostPort> v6 = ParseHostPort("[::1]:11211", "addr");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:11211");
}

TEST(ParseHostPort, OutOfRangePortIsInvalidArgumentNamingIt) {
  absl::StatusOr<HostPort> address =
      ParseHostPort("127.0.0.1:99999", "--listen", 0);
  ASSERT_TRUE(absl::IsInvalidArgument(address.status()));
  EXPECT_NE(address.status().message().find("--listen \"127.0.0.1:99999\""),
            absl::string_view::npos)
      << address.status();
  EXPECT_NE(address.status().message().find("0..65535"),
            absl::string_view::npos);
}

TEST(ParseHostPort, MissingPortOrHostIsInvalidArgument) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":7070", "[::1]",
                          "[::1]7070", "[]:1", "::1:7070", "h:0"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseHostPort(bad, "addr").status()))
        << bad;
  }
}

}  // namespace
}  // namespace kivi
