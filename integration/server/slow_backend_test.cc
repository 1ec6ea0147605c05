// kivi-server on gRPC's callback API: calls waiting on a slow store hold no
// server thread. The binary runs as a child over a memcached that is
// SIGSTOPped; far more calls than the server has threads wait on it, while
// a call that needs no store (Describe, health Check) is still answered;
// once memcached resumes, every waiting call gets its own value.
//
// The test knows every call has reached the server from the server's own
// in-flight gauge (/metrics), not by sleeping.

#include <dirent.h>
#include <sys/types.h>

#include <csignal>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "integration/harness/memcached_process.h"
#include "kivi/kivi.h"
#include "kivi/v1/kv.grpc.pb.h"
#include "kivi_server_process.h"

namespace kivi::testing {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// Calls in flight at once: far more than the threads kivi-server runs (the
// synchronous server it replaced grew one thread per call: 213 here).
constexpr int kCalls = 200;
constexpr int kKeys = 50;

// The number of threads of process `pid`.
int ThreadCount(pid_t pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/task").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// kivi_server_requests_in_flight from the server's /metrics; -1 when it
// cannot be read.
int InFlight(int metrics_port) {
  httplib::Client http("127.0.0.1", metrics_port);
  http.set_read_timeout(2);
  httplib::Result page = http.Get("/metrics");
  if (!page || page->status != 200) return -1;
  for (absl::string_view line : absl::StrSplit(page->body, '\n')) {
    constexpr absl::string_view kName = "kivi_server_requests_in_flight ";
    int value = 0;
    if (absl::ConsumePrefix(&line, kName) && absl::SimpleAtoi(line, &value)) {
      return value;
    }
  }
  return -1;
}

// The port in the server's "metrics on port N" line, which follows the
// "listening on" line; 0 when it does not come.
int MetricsPort(KiviServerProcess& server) {
  absl::StatusOr<std::string> line =
      server.process().ReadLine(absl::Seconds(10));
  if (!line.ok()) return 0;
  absl::string_view rest = *line;
  const size_t at = rest.find("metrics on port ");
  if (at == absl::string_view::npos) return 0;
  rest.remove_prefix(at + sizeof("metrics on port ") - 1);
  int port = 0;
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &port) ? port : 0;
}

bool Eventually(const std::function<bool()>& done, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TEST(SlowBackend, WaitingCallsHoldNoServerThread) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> memcached =
      MemcachedProcess::Start();
  ASSERT_TRUE(memcached.ok()) << memcached.status();
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
      KiviServerProcess::Start(
          {absl::StrCat("--backend=memcached://", (*memcached)->address(),
                        "?timeout=30s"),
           "--metrics_listen=127.0.0.1:0"});
  ASSERT_TRUE(server.ok()) << server.status();
  const pid_t pid = (*server)->process().pid();
  int metrics_port = 0;
  ASSERT_TRUE(
      Eventually([&] { return (metrics_port = MetricsPort(**server)) != 0; },
                 absl::Seconds(10)));

  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("grpc://", (*server)->address(), "?timeout=30s"));
  ASSERT_TRUE(client.ok()) << client.status();
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(
        (*client)->Set(absl::StrCat("k", i), absl::StrCat("v", i)).ok());
  }
  const int idle_threads = ThreadCount(pid);

  (*memcached)->Signal(SIGSTOP);  // Returns once memcached is stopped.
  // Shared with the callbacks, which outlive the test body if it fails.
  struct Replies {
    absl::Mutex mu;
    std::vector<absl::StatusOr<std::string>> results{
        kCalls, absl::UnknownError("no reply")};
    int done = 0;
  };
  auto replies = std::make_shared<Replies>();
  for (int i = 0; i < kCalls; ++i) {
    (*client)->GetAsync(absl::StrCat("k", i % kKeys),
                        [replies, i](absl::StatusOr<std::string> value) {
                          absl::MutexLock lock(&replies->mu);
                          replies->results[i] = std::move(value);
                          ++replies->done;
                        });
  }
  ASSERT_TRUE(Eventually([&] { return InFlight(metrics_port) >= kCalls; },
                         absl::Seconds(20)))
      << "in flight: " << InFlight(metrics_port);

  // Every call is waiting on the store, and the server has not grown a
  // thread per call (a synchronous server would hold one each).
  const int waiting_threads = ThreadCount(pid);
  EXPECT_LT(waiting_threads, kCalls / 4)
      << "idle: " << idle_threads << " threads";
  {
    absl::MutexLock lock(&replies->mu);
    EXPECT_EQ(replies->done, 0);
  }

  // Calls that need no store are still answered while every other call
  // waits (memcached stays stopped until they are; its timeout is 30s).
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      (*server)->address(), grpc::InsecureChannelCredentials());
  grpc::ClientContext describe_context;
  describe_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::DescribeResponse described;
  EXPECT_TRUE(
      v1::KeyValue::NewStub(channel)
          ->Describe(&describe_context, v1::DescribeRequest(), &described)
          .ok());
  grpc::ClientContext check_context;
  check_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckResponse checked;
  EXPECT_TRUE(Health::NewStub(channel)
                  ->Check(&check_context, HealthCheckRequest(), &checked)
                  .ok());

  (*memcached)->Signal(SIGCONT);
  absl::MutexLock lock(&replies->mu);
  ASSERT_TRUE(replies->mu.AwaitWithTimeout(
      absl::Condition(
          +[](int* n) { return *n == kCalls; }, &replies->done),
      absl::Seconds(30)))
      << replies->done << " of " << kCalls << " calls ended";
  for (int i = 0; i < kCalls; ++i) {
    const absl::StatusOr<std::string>& result = replies->results[i];
    ASSERT_TRUE(result.ok()) << "call " << i << ": " << result.status();
    EXPECT_EQ(*result, absl::StrCat("v", i % kKeys)) << "call " << i;
  }
}

}  // namespace
}  // namespace kivi::testing
