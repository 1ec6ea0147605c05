#include "src/server_list.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::memcached {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ServerAddress Server(std::string host, uint16_t port, uint32_t weight = 1) {
  return ServerAddress{std::move(host), port, weight};
}

TEST(ParseServerList, HostsPortsAndWeightsInOrder) {
  const absl::StatusOr<std::vector<ServerAddress>> servers =
      ParseServerList("h1:11211,h2:11212*3,10.0.0.1*2,[::1]:11213,[fe80::1]");
  ASSERT_TRUE(servers.ok()) << servers.status();
  EXPECT_THAT(*servers,
              ElementsAre(Server("h1", 11211), Server("h2", 11212, 3),
                          Server("10.0.0.1", 11211, 2), Server("::1", 11213),
                          Server("fe80::1", 11211)));
}

TEST(ParseServerList, PortDefaultsTo11211) {
  const absl::StatusOr<std::vector<ServerAddress>> servers =
      ParseServerList("localhost");
  ASSERT_TRUE(servers.ok());
  EXPECT_THAT(*servers, ElementsAre(Server("localhost", kDefaultPort)));
}

TEST(ParseServerList, ToStringBracketsIpv6) {
  EXPECT_EQ(Server("::1", 11211).ToString(), "[::1]:11211");
  EXPECT_EQ(Server("cache-1.internal", 9000).ToString(),
            "cache-1.internal:9000");
}

void ExpectRejected(absl::string_view authority, absl::string_view entry,
                    absl::string_view rule) {
  const absl::StatusOr<std::vector<ServerAddress>> servers =
      ParseServerList(authority);
  ASSERT_EQ(servers.status().code(), absl::StatusCode::kInvalidArgument)
      << authority;
  EXPECT_THAT(servers.status().message(), HasSubstr(entry)) << authority;
  EXPECT_THAT(servers.status().message(), HasSubstr(rule)) << authority;
}

TEST(ParseServerList, RejectsBadEntriesNamingEntryAndRule) {
  ExpectRejected("", "server list is empty", "host[:port]");
  ExpectRejected("h1,,h2", "\"\"", "empty entry");
  ExpectRejected("h1,", "\"\"", "empty entry");
  ExpectRejected("h1:0", "\"h1:0\"", "port must be an integer in 1..65535");
  ExpectRejected("h1:65536", "\"h1:65536\"", "1..65535");
  ExpectRejected("h1:", "\"h1:\"", "port");
  ExpectRejected("h1:+80", "\"h1:+80\"", "port");
  ExpectRejected("h1:http", "\"h1:http\"", "port");
  ExpectRejected("h1*0", "\"h1*0\"", "weight after '*' must be an integer in");
  ExpectRejected("h1*", "\"h1*\"", "weight");
  ExpectRejected("h1*1000001", "\"h1*1000001\"", "weight");
  ExpectRejected("h1*2*3", "\"h1*2*3\"", "host");
  ExpectRejected(":11211", "\":11211\"", "host must be");
  ExpectRejected("h 1", "\"h 1\"", "host must be");
  ExpectRejected("h/1", "\"h/1\"", "host must be");
  ExpectRejected("::1", "\"::1\"", "IPv6 address must be written in brackets");
  ExpectRejected("[::1", "\"[::1\"", "closing ']'");
  ExpectRejected("[host]:1", "\"[host]:1\"", "IPv6 address");
  ExpectRejected("[]:1", "\"[]:1\"", "IPv6 address");
  ExpectRejected("[::1]x", "\"[::1]x\"", "':port' after ']'");
  ExpectRejected("[::1]:", "\"[::1]:\"", "port");
  ExpectRejected(std::string(254, 'h'), "hhhh", "1..253");
}

TEST(ParseServerList, RejectsDuplicates) {
  ExpectRejected("h1,h1:11211*2", "\"h1:11211*2\"",
                 "server h1:11211 is listed twice");
  ExpectRejected("H1:5,h1:5", "\"h1:5\"", "listed twice");
  // The same host on another port is another server.
  EXPECT_TRUE(ParseServerList("h1:1,h1:2").ok());
}

}  // namespace
}  // namespace kivi::memcached
