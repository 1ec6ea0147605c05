// kivi-server's graceful shutdown, with the binary as a child process: on
// SIGTERM health turns NOT_SERVING first, calls still arrive during
// --shutdown_delay, a call in flight when the listener closes still
// finishes, and the process exits 0.
//
// The call in flight is a Get stuck on a SIGSTOPped memcached; the test
// knows it is stuck there because the request bytes sit unread in
// memcached's socket (/proc/net/tcp), not by sleeping.

#include <sys/types.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/ports.h"
#include "kivi/kivi.h"
#include "kivi_server_process.h"

namespace kivi::testing {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

// True if some established TCP connection to local `port` has bytes its
// owner has not read.
bool UnreadBytesAtPort(int port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // The header.
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    fields >> slot >> local >> remote >> state >> queues;
    const std::pair<std::string, std::string> address =
        absl::StrSplit(local, ':');
    const std::pair<std::string, std::string> tx_rx =
        absl::StrSplit(queues, ':');
    int local_port = 0;
    uint32_t unread = 0;
    if (state == "01" && absl::SimpleHexAtoi(address.second, &local_port) &&
        local_port == port && absl::SimpleHexAtoi(tx_rx.second, &unread) &&
        unread > 0) {
      return true;
    }
  }
  return false;
}

// True once every thread of `pid` is stopped. kill(SIGSTOP) returns before
// the stop takes effect: a request sent right after may still be served.
bool AllThreadsStopped(pid_t pid) {
  const std::filesystem::path tasks =
      std::filesystem::path("/proc") / std::to_string(pid) / "task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream file(task.path() / "stat");
    std::string stat;
    std::getline(file, stat);
    // "tid (comm) S ...": the state follows the last ')'.
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() ||
        (stat[paren + 2] != 'T' && stat[paren + 2] != 't')) {
      return false;
    }
  }
  return !error;
}

// Polls `condition` every 10ms for up to `timeout`.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TEST(ServerShutdown, NotServingFirstThenInFlightCallsFinishThenExitZero) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> memcached =
      MemcachedProcess::Start();
  ASSERT_TRUE(memcached.ok()) << memcached.status();
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
      KiviServerProcess::Start(
          {absl::StrCat("--backend=memcached://", (*memcached)->address(),
                        "?timeout=30s"),
           // One probe at start, so only the test's call talks to memcached.
           "--health_interval=1h", "--shutdown_delay=2s",
           "--drain_timeout=30s"});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  const int port = std::stoi(address.substr(address.rfind(':') + 1));

  auto health = Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext watch_context;
  watch_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto watch = health->Watch(&watch_context, HealthCheckRequest());
  HealthCheckResponse status;
  ASSERT_TRUE(watch->Read(&status));
  if (status.status() != HealthCheckResponse::SERVING) {
    ASSERT_TRUE(watch->Read(&status));
  }
  ASSERT_EQ(status.status(), HealthCheckResponse::SERVING);

  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("grpc://", address, "?timeout=60s"));
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Set("k", "v").ok());

  const pid_t memcached_pid = (*memcached)->pid();
  ASSERT_NE(memcached_pid, 0);
  (*memcached)->Signal(SIGSTOP);
  ASSERT_TRUE(Eventually([&] { return AllThreadsStopped(memcached_pid); },
                         absl::Seconds(20)));
  absl::StatusOr<std::string> in_flight;
  std::thread call([&] { in_flight = (*client)->Get("k"); });
  const bool stuck =
      Eventually([&] { return UnreadBytesAtPort((*memcached)->port()); },
                 absl::Seconds(20));
  EXPECT_TRUE(stuck) << "the Get never reached memcached";

  (*server)->process().Signal(SIGTERM);
  ASSERT_TRUE(watch->Read(&status));
  EXPECT_EQ(status.status(), HealthCheckResponse::NOT_SERVING);
  // During --shutdown_delay the server still answers, NOT_SERVING.
  grpc::ClientContext check_context;
  HealthCheckResponse checked;
  EXPECT_TRUE(
      health->Check(&check_context, HealthCheckRequest(), &checked).ok());
  EXPECT_EQ(checked.status(), HealthCheckResponse::NOT_SERVING);

  // Once the listener is closed the drain has begun; only then may the
  // stuck call complete.
  EXPECT_TRUE(Eventually([&] { return !PortAcceptsConnections(port); },
                         absl::Seconds(20)));
  (*memcached)->Signal(SIGCONT);
  call.join();
  ASSERT_TRUE(in_flight.ok()) << in_flight.status();
  EXPECT_EQ(*in_flight, "v");

  ProcessResult exited = (*server)->process().Finish();
  EXPECT_EQ(exited.exit_code, 0) << exited.err;
  EXPECT_THAT(exited.err, HasSubstr("NOT_SERVING"));
}

TEST(ServerShutdown, SigintWithNothingInFlightExitsZeroPromptly) {
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
      KiviServerProcess::Start({"--backend=memory://"});
  ASSERT_TRUE(server.ok()) << server.status();
  const absl::Time start = absl::Now();
  (*server)->process().Signal(SIGINT);
  EXPECT_EQ((*server)->process().Finish().exit_code, 0);
  // Nothing to drain: no waiting for the drain timeout (10s).
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
}

}  // namespace
}  // namespace kivi::testing
