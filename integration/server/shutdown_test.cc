// kivi-server's graceful shutdown, with the binary as a child process: on
// SIGTERM health turns NOT_SERVING first, calls still arrive during
// --shutdown_delay, a call in flight when the listener closes still
// finishes, and the process exits 0.
//
// The call in flight is a Get stuck on a SIGSTOPped memcached; the test
// knows it is stuck there because the request bytes sit unread in
// memcached's socket (/proc/net/tcp), not by sleeping; the harness's
// Signal(SIGSTOP) returns only once memcached is really stopped.

#include <sys/types.h>

#include <csignal>
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
#include "kivi/v1/kv.grpc.pb.h"
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

  (*memcached)->Signal(SIGSTOP);  // Returns once memcached is stopped.
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

// True once `pid` has exited (a zombie awaiting its reaper counts).
bool Exited(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  if (!std::getline(file, stat)) return true;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] == 'Z';
}

// Health{timeout=1h} from many callers against a frozen memcached: the
// server bounds each probe (max_health_timeout), probes use connections of
// their own (the pool that serves calls stays free), and SIGTERM is not
// held past the drain by them.
TEST(ServerShutdown, LongHealthCallsNeitherExhaustThePoolNorHoldTheExit) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> frozen =
      MemcachedProcess::Start();
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> healthy =
      MemcachedProcess::Start();
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
      KiviServerProcess::Start(
          {absl::StrCat("--backend=memcached://", (*frozen)->address(), ",",
                        (*healthy)->address(), "?timeout=1s&max_conns=4"),
           "--health_interval=1h", "--drain_timeout=1s"});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("grpc://", address, "?timeout=10s"));
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<std::unique_ptr<Client>> direct =
      Open(absl::StrCat("memcached://", (*healthy)->address()));
  ASSERT_TRUE(direct.ok()) << direct.status();
  std::vector<std::string> healthy_keys;
  std::string frozen_key;
  for (int i = 0; i < 40; ++i) {
    const std::string key = absl::StrCat("k", i);
    ASSERT_TRUE((*client)->Set(key, "v").ok());
    if ((*direct)->Get(key).ok()) {
      healthy_keys.push_back(key);
    } else {
      frozen_key = key;
    }
  }
  ASSERT_FALSE(healthy_keys.empty());
  ASSERT_FALSE(frozen_key.empty());

  (*frozen)->Signal(SIGSTOP);  // Returns once memcached is stopped.
  constexpr int kProbes = 300;
  auto stub = v1::KeyValue::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::HealthResponse> responses(kProbes);
  std::vector<grpc::Status> statuses(kProbes);
  v1::HealthRequest request;
  request.mutable_timeout()->set_seconds(3600);
  for (int i = 0; i < kProbes; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    stub->AsyncHealth(contexts.back().get(), request, &queue)
        ->Finish(&responses[i], &statuses[i], reinterpret_cast<void*>(i));
  }
  // Let the probes reach the server and start waiting on memcached.
  absl::SleepFor(absl::Milliseconds(300));

  for (const std::string& key : healthy_keys) {
    absl::StatusOr<std::string> value = (*client)->Get(key);
    EXPECT_TRUE(value.ok()) << key << ": " << value.status();
  }
  // The frozen server's keys fail on its own timeout, not on a pool that
  // probes have taken.
  absl::StatusOr<std::string> stuck = (*client)->Get(frozen_key);
  EXPECT_FALSE(stuck.ok());
  EXPECT_THAT(std::string(stuck.status().message()),
              ::testing::Not(HasSubstr("free connection")))
      << stuck.status();

  const pid_t pid = (*server)->process().pid();
  const absl::Time sigterm = absl::Now();
  (*server)->process().Signal(SIGTERM);
  // The drain (1s) plus the longest probe a call may ask for (5s), with
  // room for a loaded machine; a probe of the asked hour would hold it.
  EXPECT_TRUE(Eventually([&] { return Exited(pid); }, absl::Seconds(15)))
      << "kivi-server still running "
      << absl::FormatDuration(absl::Now() - sigterm) << " after SIGTERM";
  (*frozen)->Signal(SIGCONT);
  if (!Exited(pid)) (*server)->process().Signal(SIGKILL);
  for (int i = 0; i < kProbes; ++i) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(queue.Next(&tag, &ok));
  }
  ProcessResult exited = (*server)->process().Finish();
  EXPECT_EQ(exited.exit_code, 0) << exited.err;
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
