// Many synchronous threads and asynchronous callers (dozens of calls in
// flight each) share ONE client, with a small connection bound, while its
// server is frozen (SIGSTOP), resumed, killed (SIGKILL) and restarted.
// Every value read is checked against a ledger of what may be stored;
// every call must complete within its deadline plus kStressMargin; every async
// callback must be called exactly once.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/async_stress/freeze_scenario.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/redis_process.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

void Memcached(bool keep_admitted, bool async_batches) {
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  MemcachedProcess& memcached = **server;
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(absl::StrCat(
      "memcached://", memcached.address(), "?", StressParams(keep_admitted)));
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
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(absl::StrCat(
      "redis://", redis.address(), "?", StressParams(keep_admitted)));
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

// The frozen server stays admitted: every call in flight on the shared
// connections waits out its own deadline, and the replies the server sends
// for them when it resumes must reach nobody. The asynchronous callers
// make the single-key calls the backend multiplexes itself (batches run on
// the client's executor, whose queue wait the deadline does not bound; see
// StressOptions::async_batches); the synchronous threads make every kind.
TEST(AsyncStress, MemcachedFrozenCallsEndAtTheirDeadlines) {
  KIVI_REQUIRE_MEMCACHED();
  Memcached(/*keep_admitted=*/true, /*async_batches=*/false);
}

TEST(AsyncStress, RedisFrozenCallsEndAtTheirDeadlines) {
  KIVI_REQUIRE_REDIS();
  Redis(/*keep_admitted=*/true, /*async_batches=*/false);
}

}  // namespace
}  // namespace kivi::testing
