// grpc.health.v1 as any client sees it: kivi-server's statuses read
// through the standard generated stub, not through kivi's code.

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
#include "kivi/kivi.h"
#include "kivi/server/server.h"
#include "kivi/v1/kv.grpc.pb.h"

namespace kivi {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckResponse;
using ::kivi::testing::Check;
using ::kivi::testing::HealthStub;
using ::kivi::testing::Watcher;

constexpr auto kServing = HealthCheckResponse::SERVING;
constexpr auto kNotServing = HealthCheckResponse::NOT_SERVING;

// Probes fast enough for tests to watch transitions.
HealthCheckerOptions FastHealth() {
  return {.interval = absl::Milliseconds(50),
          .timeout = absl::Milliseconds(200),
          .failure_threshold = 2,
          .success_threshold = 1};
}

std::unique_ptr<Server> StartServer(ServerOptions options) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(HealthService, BothNamesAreServingOverAHealthyBackend) {
  std::unique_ptr<Server> server =
      StartServer({.listen = "127.0.0.1:0", .health = FastHealth()});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->health_checker().WaitFor(true, absl::Seconds(10)));
  std::unique_ptr<Health::Stub> stub = HealthStub(server->address());
  EXPECT_EQ(Check(*stub, ""), kServing);
  EXPECT_EQ(Check(*stub, "kivi.v1.KeyValue"), kServing);
}

TEST(HealthService, UnknownServiceIsNotFound) {
  std::unique_ptr<Server> server = StartServer({.listen = "127.0.0.1:0"});
  ASSERT_NE(server, nullptr);
  grpc::StatusCode code = grpc::StatusCode::OK;
  Check(*HealthStub(server->address()), "no.such.Service", &code);
  EXPECT_EQ(code, grpc::StatusCode::NOT_FOUND);
}

TEST(HealthService, WatchOfAnUnknownServiceSaysSo) {
  std::unique_ptr<Server> server = StartServer({.listen = "127.0.0.1:0"});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Health::Stub> stub = HealthStub(server->address());
  Watcher watcher(*stub, "no.such.Service");
  EXPECT_TRUE(watcher.WaitFor(HealthCheckResponse::SERVICE_UNKNOWN));
}

TEST(HealthService, UnreachableBackendIsNotServingFromTheStart) {
  // Nothing listens on port 1, so no probe ever succeeds: the server must
  // not report gRPC's default SERVING for "" in the meantime.
  std::unique_ptr<Server> server =
      StartServer({.listen = "127.0.0.1:0",
                   .backend_url = "memcached://127.0.0.1:1?timeout=100ms",
                   .health = FastHealth()});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Health::Stub> stub = HealthStub(server->address());
  EXPECT_EQ(Check(*stub, ""), kNotServing);
  EXPECT_EQ(Check(*stub, "kivi.v1.KeyValue"), kNotServing);
  absl::SleepFor(absl::Milliseconds(300));  // Several failed probes later.
  EXPECT_EQ(Check(*stub, ""), kNotServing);
  EXPECT_FALSE(server->health_checker().last_report().ok());
}

TEST(HealthService, FollowsTheBackendDownAndBackUp) {
  // kivi-server B serves grpc://A; stopping A is B's backend going down.
  std::unique_ptr<Server> a = StartServer({.listen = "127.0.0.1:0"});
  ASSERT_NE(a, nullptr);
  const std::string a_address = a->address();
  std::unique_ptr<Server> b = StartServer(
      {.listen = "127.0.0.1:0",
       .backend_url = absl::StrCat("grpc://", a_address, "?timeout=200ms"),
       .health = FastHealth()});
  ASSERT_NE(b, nullptr);
  std::unique_ptr<Health::Stub> stub = HealthStub(b->address());
  Watcher watcher(*stub, "kivi.v1.KeyValue");
  ASSERT_TRUE(watcher.WaitFor(kServing));

  a->Shutdown(absl::ZeroDuration());
  a.reset();
  ASSERT_TRUE(watcher.WaitFor(kNotServing));
  EXPECT_EQ(Check(*stub, ""), kNotServing);

  a = StartServer({.listen = a_address});
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(watcher.WaitFor(kServing));
  EXPECT_EQ(Check(*stub, ""), kServing);
}

TEST(HealthService, DeclareNotServingTellsWatchersAndKeepsServingCalls) {
  std::unique_ptr<Server> server =
      StartServer({.listen = "127.0.0.1:0", .health = FastHealth()});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Health::Stub> stub = HealthStub(server->address());
  Watcher watcher(*stub, "");
  ASSERT_TRUE(watcher.WaitFor(kServing));

  server->DeclareNotServing();
  EXPECT_TRUE(watcher.WaitFor(kNotServing));
  absl::SleepFor(absl::Milliseconds(200));  // Good probes change nothing.
  EXPECT_EQ(Check(*stub, ""), kNotServing);
  EXPECT_EQ(Check(*stub, "kivi.v1.KeyValue"), kNotServing);

  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("grpc://", server->address()));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE((*client)->Set("k", "v").ok());
}

TEST(HealthService, ShutdownEndsWatchStreams) {
  std::unique_ptr<Server> server =
      StartServer({.listen = "127.0.0.1:0", .health = FastHealth()});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Health::Stub> stub = HealthStub(server->address());
  Watcher watcher(*stub, "");
  ASSERT_TRUE(watcher.WaitFor(kServing));
  // A watcher holds a call open forever; draining must not wait for it.
  const absl::Time start = absl::Now();
  server->Shutdown(absl::Seconds(20));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(watcher.WaitFor(kNotServing));
}

}  // namespace
}  // namespace kivi
