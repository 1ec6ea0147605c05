// grpc:// to a kivi-server child (gRPC's callback API) over a memcached
// that is frozen and killed, with synchronous threads and asynchronous
// callers sharing one client: the server's calls fail within the memcached
// URL's deadline and those errors, naming memcached, reach the callers.
// A binary of its own: gRPC is not built with TSan, so this case stays out
// of scripts/sanitize.sh's TSan stage.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/async_stress/freeze_scenario.h"
#include "integration/harness/memcached_process.h"
#include "kivi/kivi.h"
#include "kivi_server_process.h"

namespace kivi::testing {
namespace {

TEST(AsyncStress, GrpcOverMemcachedThroughFreezeAndKill) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  MemcachedProcess& memcached = **server;
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> kivi_server =
      KiviServerProcess::Start(
          {absl::StrCat("--backend=memcached://", memcached.address(), "?",
                        StressParams(/*keep_admitted=*/false))});
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

}  // namespace
}  // namespace kivi::testing
