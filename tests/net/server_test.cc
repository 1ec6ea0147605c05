// Server health: down after consecutive failures, one probe after the
// retry time, back at once on any success. No I/O: outcomes are recorded
// directly and time is passed to Admit.

#include "kivi/net/server.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::net {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kRetry = absl::Seconds(10);

std::unique_ptr<Server> MakeServer(int failure_limit) {
  ConnectOptions options;
  options.label = "test";
  return std::make_unique<Server>(Endpoint{"127.0.0.1", 1}, options,
                                  /*max_conns=*/1, /*max_idle=*/1,
                                  failure_limit, kRetry);
}

const absl::Status kRefused = absl::UnavailableError("connection refused");

TEST(NetServer, DownAfterFailureLimitAndTheMessageCountsTheFailures) {
  std::unique_ptr<Server> server = MakeServer(3);
  server->Record(kRefused);
  server->Record(kRefused);
  EXPECT_TRUE(server->Admit(absl::Now()).ok());
  server->Record(kRefused);
  absl::Status down = server->Admit(absl::Now());
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(down.message(),
              HasSubstr("test 127.0.0.1:1 is marked down after 3 consecutive"));
  EXPECT_THAT(down.message(), HasSubstr("connection refused"));
  EXPECT_TRUE(server->IsDown(absl::Now()));
}

TEST(NetServer, ASuccessBringsADownServerBackAtOnce) {
  std::unique_ptr<Server> server = MakeServer(1);
  server->Record(kRefused);
  ASSERT_FALSE(server->Admit(absl::Now()).ok());
  // A health check (which is never refused admission) finds it serving.
  server->Record(absl::OkStatus());
  EXPECT_TRUE(server->Admit(absl::Now()).ok());
  EXPECT_FALSE(server->IsDown(absl::Now()));
}

TEST(NetServer, NoMessageEverSaysZeroFailures) {
  std::unique_ptr<Server> server = MakeServer(1);
  server->Record(kRefused);
  server->Record(absl::NotFoundError("miss"));  // Proof of life.
  server->Record(kRefused);
  absl::Status down = server->Admit(absl::Now());
  ASSERT_FALSE(down.ok());
  EXPECT_THAT(down.message(), HasSubstr("after 1 consecutive failures"));
}

TEST(NetServer, AfterTheRetryTimeExactlyOneCallProbes) {
  std::unique_ptr<Server> server = MakeServer(1);
  server->Record(kRefused);
  const absl::Time later = absl::Now() + kRetry + absl::Seconds(1);
  EXPECT_TRUE(server->Admit(later).ok());  // The probe.
  for (int i = 0; i < 5; ++i) {
    absl::Status other = server->Admit(later);
    EXPECT_EQ(other.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(other.message(), HasSubstr("another call is probing it"));
  }
  EXPECT_TRUE(server->IsDown(later));
  server->Record(absl::OkStatus());
  EXPECT_TRUE(server->Admit(later).ok());
  EXPECT_TRUE(server->Admit(later).ok());
}

TEST(NetServer, AFailedProbeKeepsTheServerDownForAnotherRetryTime) {
  std::unique_ptr<Server> server = MakeServer(1);
  server->Record(kRefused);
  const absl::Time later = absl::Now() + kRetry + absl::Seconds(1);
  ASSERT_TRUE(server->Admit(later).ok());
  server->Record(kRefused);
  absl::Status down = server->Admit(absl::Now() + absl::Seconds(1));
  EXPECT_THAT(down.message(), HasSubstr("retrying in"));
  EXPECT_THAT(down.message(), HasSubstr("after 2 consecutive failures"));
  EXPECT_TRUE(server->Admit(absl::Now() + kRetry + absl::Seconds(1)).ok());
}

TEST(NetServer, AProbeThatNeverReportsIsReplacedAfterTheRetryTime) {
  std::unique_ptr<Server> server = MakeServer(1);
  server->Record(kRefused);
  const absl::Time later = absl::Now() + kRetry + absl::Seconds(1);
  ASSERT_TRUE(server->Admit(later).ok());
  EXPECT_FALSE(server->Admit(later + kRetry - absl::Seconds(1)).ok());
  EXPECT_TRUE(server->Admit(later + kRetry).ok());
}

}  // namespace
}  // namespace kivi::net
