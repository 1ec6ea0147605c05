// The shared conformance suite over grpc://, against an in-process
// kivi-server over memory:// that lives as long as the test program.

#include "tests/conformance/conformance.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kivi/server/server.h"

namespace kivi::testing {
namespace {

class GrpcServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start({.listen = "127.0.0.1:0", .backend_url = "memory://"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    server_->Shutdown(absl::ZeroDuration());
    server_.reset();
  }

  std::string Url() const {
    return absl::StrCat("grpc://", server_->address());
  }

 private:
  std::unique_ptr<Server> server_;
};

// gtest owns the environment; it is set up before any test asks for Url().
GrpcServerEnvironment* const environment = static_cast<GrpcServerEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new GrpcServerEnvironment));

INSTANTIATE_TEST_SUITE_P(Grpc, ConformanceTest,
                         ::testing::Values(ConformanceTarget{
                             "grpc", [] { return environment->Url(); }}),
                         ConformanceTargetName);

}  // namespace
}  // namespace kivi::testing
