// The shared conformance suite over real Redis: one server, a 3-master
// cluster, a TLS server, an ACL-protected server, and grpc:// in front of
// an in-process kivi-server whose backend is the single server.

#include "tests/conformance/conformance.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "integration/redis/redis_servers.h"
#include "kivi/server/server.h"

namespace kivi::testing {
namespace {

class RedisEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    KIVI_REQUIRE_REDIS();
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(
        {.listen = "127.0.0.1:0", .backend_url = RedisServers::SingleUrl()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::ZeroDuration());
    server_.reset();
    RedisServers::StopAll();
  }

  std::string GrpcUrl() const {
    return absl::StrCat("grpc://", server_->address());
  }

 private:
  std::unique_ptr<Server> server_;
};

RedisEnvironment* const environment = static_cast<RedisEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new RedisEnvironment));

INSTANTIATE_TEST_SUITE_P(
    Redis, ConformanceTest,
    ::testing::Values(
        ConformanceTarget{"single", [] { return RedisServers::SingleUrl(); }},
        ConformanceTarget{"cluster", [] { return RedisServers::ClusterUrl(); }},
        ConformanceTarget{"tls", [] { return RedisServers::TlsUrl(); }},
        ConformanceTarget{"acl", [] { return RedisServers::AclUrl(); }},
        ConformanceTarget{"grpc_over_redis",
                          [] { return environment->GrpcUrl(); }}),
    ConformanceTargetName);

}  // namespace
}  // namespace kivi::testing
