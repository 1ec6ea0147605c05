// Many synchronous threads and asynchronous callers (dozens of calls in
// flight each) share ONE client, with a small connection bound, while its
// server is frozen (SIGSTOP), resumed, killed (SIGKILL) and restarted.
// Every value read is checked against a ledger of what may be stored;
// every call must complete within its deadline plus kMargin; every async
// callback must be called exactly once.

#include <signal.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "integration/async_stress/ledger.h"
#include "integration/async_stress/stress_load.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/redis_process.h"
#include "kivi/kivi.h"
#include "kivi_server_process.h"

namespace kivi::testing {
namespace {

// Each call's deadline (the URL's timeout).
constexpr absl::Duration kTimeout = absl::Milliseconds(300);
// How much later than its deadline a call may complete: the ~20 threads of
// this test, the client's and the server's share 2 cores (and TSan slows
// everything several times).
constexpr absl::Duration kMargin = absl::Milliseconds(700);
// How long to wait for progress after the server is back.
constexpr absl::Duration kRecovery = absl::Seconds(5);

// The connection parameters shared by memcached:// and redis://: a small
// connection bound, so many callers share each connection, and a short
// retry_timeout so a restarted server is used again soon. With
// `keep_admitted`, a failure limit the test never reaches: every call on
// the frozen server waits out its own deadline on the shared connections,
// instead of failing fast once the server is marked down.
std::string Params(bool keep_admitted) {
  return absl::StrCat(
      "timeout=", absl::ToInt64Milliseconds(kTimeout),
      "ms&connect_timeout=300ms&max_conns=2&retry_timeout=200ms",
      keep_admitted ? "&failure_limit=1000000" : "");
}

// The server under test, as the scenario needs it.
struct Server {
  std::string address;
  std::function<void(int)> signal;
  std::function<absl::Status()> restart;
};

StressOptions Options(const std::string& address, bool async_batches) {
  StressOptions options;
  options.async_batches = async_batches;
  options.timeout = kTimeout;
  options.margin = kMargin;
  options.server = address;
  return options;
}

// Waits until the load has completed more calls OK than `before`.
bool Progress(const StressLoad& load, int64_t before) {
  const absl::Time deadline = absl::Now() + kRecovery;
  while (load.ok_calls() <= before) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// Runs the load through freeze, thaw, kill and restart, then checks the
// report. `kv` is destroyed here, before the load.
void FreezeAndKill(std::unique_ptr<Client> kv, const Server& server,
                   bool async_batches) {
  const StressOptions options = Options(server.address, async_batches);
  StressLedger ledger("stress:", StressLoad::KeysNeeded(options));
  StressLoad load(*kv, ledger, options);
  load.Start();

  absl::SleepFor(absl::Seconds(1));
  EXPECT_GT(load.ok_calls(), 0) << "no progress before any fault";

  server.signal(SIGSTOP);  // Returns once every server thread is stopped.
  absl::SleepFor(absl::Milliseconds(1500));
  int64_t before = load.ok_calls();
  server.signal(SIGCONT);
  EXPECT_TRUE(Progress(load, before)) << "no progress after SIGCONT";
  absl::SleepFor(absl::Seconds(1));

  server.signal(SIGKILL);
  absl::SleepFor(absl::Seconds(1));
  // Before the restart: a read may reach the new, empty server as soon as
  // it listens.
  ledger.ServerLost();
  ASSERT_TRUE(server.restart().ok());
  before = load.ok_calls();
  EXPECT_TRUE(Progress(load, before)) << "no progress after the restart";
  absl::SleepFor(absl::Seconds(1));

  load.Stop(kTimeout + kMargin + absl::Seconds(2));
  load.VerifyAll();
  const StressReport report = load.report();
  kv.reset();  // Late callbacks, if any, must still find the load.

  SCOPED_TRACE(report.ToString());
  std::printf("%s: %s\n", server.address.c_str(), report.ToString().c_str());
  EXPECT_EQ(report.wrong, 0);
  EXPECT_EQ(report.late, 0);
  EXPECT_EQ(report.unexpected_errors, 0);
  EXPECT_EQ(report.unnamed_errors, 0);
  EXPECT_EQ(report.callbacks_repeated, 0);
  EXPECT_EQ(report.callbacks_missing, 0);
  EXPECT_GT(report.async_calls, 0);
  EXPECT_GT(report.values_checked, 0);
  EXPECT_GT(report.failed_calls, 0) << "the faults went unnoticed";
}

void Memcached(bool keep_admitted, bool async_batches) {
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  MemcachedProcess& memcached = **server;
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(absl::StrCat(
      "memcached://", memcached.address(), "?", Params(keep_admitted)));
  ASSERT_TRUE(kv.ok()) << kv.status();
  FreezeAndKill(
      *std::move(kv),
      {memcached.address(), [&](int signal) { memcached.Signal(signal); },
       [&] { return memcached.Restart(); }},
      async_batches);
}

void Redis(bool keep_admitted, bool async_batches) {
  absl::StatusOr<std::unique_ptr<RedisProcess>> server = RedisProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  RedisProcess& redis = **server;
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(
      absl::StrCat("redis://", redis.address(), "?", Params(keep_admitted)));
  ASSERT_TRUE(kv.ok()) << kv.status();
  FreezeAndKill(*std::move(kv),
                {redis.address(), [&](int signal) { redis.Signal(signal); },
                 [&] { return redis.Restart(); }},
                async_batches);
}

// The frozen server is marked down after a few timeouts: calls then fail
// fast until a probe finds it back. Every operation, batches included, from
// both kinds of caller.
TEST(AsyncStress, MemcachedThroughFreezeAndKill) {
  KIVI_REQUIRE_MEMCACHED();
  Memcached(/*keep_admitted=*/false, /*async_batches=*/true);
}

TEST(AsyncStress, RedisThroughFreezeAndKill) {
  KIVI_REQUIRE_REDIS();
  Redis(/*keep_admitted=*/false, /*async_batches=*/true);
}

// grpc:// to a kivi-server (gRPC's callback API) over the memcached that is
// frozen and killed: the server's calls fail within the memcached URL's
// deadline, and those errors (naming memcached) come back to the callers.
TEST(AsyncStress, GrpcOverMemcachedThroughFreezeAndKill) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  MemcachedProcess& memcached = **server;
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> kivi_server =
      KiviServerProcess::Start(
          {absl::StrCat("--backend=memcached://", memcached.address(), "?",
                        Params(/*keep_admitted=*/false))});
  ASSERT_TRUE(kivi_server.ok()) << kivi_server.status();
  // The gRPC deadline is above memcached's, so that memcached's decides.
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("grpc://", (*kivi_server)->address(), "?timeout=2s"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  FreezeAndKill(
      *std::move(kv),
      {memcached.address(), [&](int signal) { memcached.Signal(signal); },
       [&] { return memcached.Restart(); }},
      /*async_batches=*/true);
}

// The frozen server stays admitted: every call in flight on the shared
// connections waits out its own deadline, and the replies the server sends
// for them when it resumes must reach nobody. The asynchronous callers
// make the single-key calls the backend multiplexes itself (batches run on
// the client's executor, whose queue wait the deadline does not bound; see
// StressOptions::async_batches); the synchronous threads make every kind.
TEST(AsyncStress, RedisFrozenCallsEndAtTheirDeadlines) {
  KIVI_REQUIRE_REDIS();
  Redis(/*keep_admitted=*/true, /*async_batches=*/false);
}

}  // namespace
}  // namespace kivi::testing
