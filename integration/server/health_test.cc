// kivi-server's grpc.health.v1 follows real memcached: kill it and the
// server turns NOT_SERVING within interval x failure_threshold (plus a
// margin); restart it and the server is SERVING again. Watched through the
// standard generated stub (a health client that is not kivi's) and through
// `kivi health`, which must agree.

#include <csignal>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "health_client.h"
#include "integration/harness/memcached_process.h"
#include "kivi_server_process.h"

namespace kivi::testing {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr absl::Duration kInterval = absl::Milliseconds(100);
constexpr int kFailureThreshold = 3;
// Scheduling on a loaded machine, the probe timeout and the Watch update's
// trip are all inside this.
constexpr absl::Duration kMargin = absl::Seconds(3);

class ServerHealthOverMemcached : public ::testing::Test {
 protected:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    absl::StatusOr<std::unique_ptr<MemcachedProcess>> memcached =
        MemcachedProcess::Start();
    ASSERT_TRUE(memcached.ok()) << memcached.status();
    memcached_ = *std::move(memcached);
    // retry_timeout: the backend tries a failed server again soon, so the
    // restart is noticed within a probe or two.
    backend_url_ = absl::StrCat("memcached://", memcached_->address(),
                                "?timeout=200ms&retry_timeout=100ms");
    absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
        KiviServerProcess::Start(
            {"--backend=" + backend_url_,
             absl::StrCat("--health_interval=",
                          absl::FormatDuration(kInterval)),
             "--health_timeout=200ms",
             absl::StrCat("--health_failure_threshold=", kFailureThreshold),
             "--health_success_threshold=1"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = HealthStub(server_->address());
  }

  int KiviHealth() {
    return RunKivi({"health", "--addr=" + server_->address()}).exit_code;
  }

  std::unique_ptr<MemcachedProcess> memcached_;
  std::string backend_url_;
  std::unique_ptr<KiviServerProcess> server_;
  std::unique_ptr<Health::Stub> stub_;
};

TEST_F(ServerHealthOverMemcached, KillTurnsNotServingInTimeAndRestartServes) {
  Watcher whole(*stub_, "");
  Watcher key_value(*stub_, "kivi.v1.KeyValue");
  ASSERT_TRUE(whole.WaitFor(HealthCheckResponse::SERVING));
  ASSERT_TRUE(key_value.WaitFor(HealthCheckResponse::SERVING));
  EXPECT_EQ(KiviHealth(), 0);

  memcached_->Signal(SIGKILL);
  const absl::Time killed = absl::Now();
  ASSERT_TRUE(whole.WaitFor(HealthCheckResponse::NOT_SERVING));
  EXPECT_LT(absl::Now() - killed, kInterval * kFailureThreshold + kMargin);
  ASSERT_TRUE(key_value.WaitFor(HealthCheckResponse::NOT_SERVING));
  EXPECT_EQ(Check(*stub_, ""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(KiviHealth(), 4);

  ASSERT_TRUE(memcached_->Restart().ok());
  ASSERT_TRUE(whole.WaitFor(HealthCheckResponse::SERVING));
  ASSERT_TRUE(key_value.WaitFor(HealthCheckResponse::SERVING));
  EXPECT_EQ(Check(*stub_, "kivi.v1.KeyValue"), HealthCheckResponse::SERVING);
  EXPECT_EQ(KiviHealth(), 0);
}

TEST_F(ServerHealthOverMemcached, KiviHealthProbesTheBackendDirectly) {
  ProcessResult up = RunKivi({"health", "--backend=" + backend_url_});
  EXPECT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(up.out,
              MatchesRegex(absl::StrCat("127\\.0\\.0\\.1:", memcached_->port(),
                                        " ok [0-9.]+ms\nstatus: SERVING\n")));

  memcached_->Signal(SIGKILL);
  ProcessResult down = RunKivi({"health", "--backend=" + backend_url_});
  EXPECT_EQ(down.exit_code, 4);
  EXPECT_THAT(down.out,
              HasSubstr(absl::StrCat(memcached_->address(), " DOWN ")));
  EXPECT_THAT(down.out, HasSubstr("status: NOT_SERVING\n"));
}

}  // namespace
}  // namespace kivi::testing
