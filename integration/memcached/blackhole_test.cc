// A server that takes no connection (a blackhole: connects hang, as behind
// a dead route) among healthy ones. Connects run in parallel with the
// other servers' exchanges, so it costs only its own keys, and fleet-wide
// commands wait for it once, not once per such server.

#include "integration/harness/blackhole.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;

// Slack for scheduling on a loaded machine beyond a timeout.
constexpr absl::Duration kMargin = absl::Milliseconds(700);

class Blackholed : public ::testing::Test {
 protected:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
          MemcachedProcess::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      servers_.push_back(*std::move(server));
      absl::StatusOr<std::unique_ptr<Blackhole>> hole = Blackhole::Start();
      ASSERT_TRUE(hole.ok()) << hole.status();
      holes_.push_back(*std::move(hole));
    }
  }

  // The two servers and `holes` blackholes, interleaved.
  std::unique_ptr<Client> OpenClient(int holes, absl::string_view query) {
    std::string url =
        absl::StrCat("memcached://", servers_[0]->address(), ",",
                     holes_[0]->address(), ",", servers_[1]->address());
    if (holes > 1) absl::StrAppend(&url, ",", holes_[1]->address());
    absl::StatusOr<std::unique_ptr<Client>> client =
        Open(absl::StrCat(url, "?", query));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::vector<std::unique_ptr<MemcachedProcess>> servers_;
  std::vector<std::unique_ptr<Blackhole>> holes_;
};

TEST_F(Blackholed, BatchesFailOnlyTheBlackholedServersKeys) {
  // connect_timeout as long as the operation's: connecting to the
  // blackhole one server after another left the others no time at all.
  std::unique_ptr<Client> kv =
      OpenClient(1, "timeout=1s&connect_timeout=1s&failure_limit=100");
  ASSERT_NE(kv, nullptr);
  std::vector<std::string> keys;
  std::vector<KeyValue> entries;
  for (int i = 0; i < 300; ++i) {
    keys.push_back(absl::StrCat("key", i));
    entries.push_back({keys.back(), absl::StrCat("v", i)});
  }
  const std::string hole = holes_[0]->address();

  absl::Time start = absl::Now();
  absl::StatusOr<BatchWriteResult> written = kv->BatchSet(entries);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1) + kMargin);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_GT(written->failed.size(), 30u);
  EXPECT_LT(written->failed.size(), 200u);
  for (const auto& [key, status] : written->failed) {
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
    EXPECT_THAT(status.message(), HasSubstr(hole));
    EXPECT_THAT(status.message(), HasSubstr("connecting"));
  }

  start = absl::Now();
  absl::StatusOr<BatchGetResult> got = kv->BatchGet(keys);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1) + kMargin);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->failed.size(), written->failed.size());
  EXPECT_EQ(got->found.size() + got->failed.size(), keys.size());
  for (const auto& [key, value] : got->found) {
    EXPECT_FALSE(written->failed.contains(key)) << key;
    EXPECT_EQ(value, "v" + key.substr(3));
  }
  for (const auto& [key, status] : got->failed) {
    EXPECT_TRUE(written->failed.contains(key)) << key;
    EXPECT_THAT(status.message(), HasSubstr(hole));
  }
}

TEST_F(Blackholed, ShortConnectTimeoutEndsTheBlackholesWaitEarly) {
  std::unique_ptr<Client> kv =
      OpenClient(1, "timeout=3s&connect_timeout=300ms&failure_limit=100");
  ASSERT_NE(kv, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back(absl::StrCat("key", i));
  const absl::Time start = absl::Now();
  absl::StatusOr<BatchGetResult> got = kv->BatchGet(keys);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(300) + kMargin);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_GT(got->failed.size(), 10u);
  for (const auto& [key, status] : got->failed) {
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  }
}

// Stats, Flush and List need every server: they fail, naming a
// blackhole, but after one connect timeout, not one per blackhole.
TEST_F(Blackholed, FleetCommandsWaitForTwoBlackholesOnce) {
  std::unique_ptr<Client> kv = OpenClient(
      2, "timeout=5s&list_timeout=5s&connect_timeout=1s&failure_limit=100");
  ASSERT_NE(kv, nullptr);
  const absl::Duration once = absl::Seconds(1) + kMargin;
  auto names_a_hole = [&](const absl::Status& s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), holes_[0]->address()) ||
                absl::StrContains(s.message(), holes_[1]->address()))
        << s;
  };

  absl::Time start = absl::Now();
  names_a_hole(kv->Stats().status());
  EXPECT_LT(absl::Now() - start, once);

  start = absl::Now();
  names_a_hole(kv->Flush());
  EXPECT_LT(absl::Now() - start, once);

  start = absl::Now();
  names_a_hole(kv->List("").status());
  EXPECT_LT(absl::Now() - start, once);
}

}  // namespace
}  // namespace kivi::testing
