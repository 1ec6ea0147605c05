// The shared conformance suite over real PostgreSQL: the postgres:// backend
// itself, and grpc:// in front of a kivi-server process whose backend is
// that postgres://.

#include "tests/conformance/conformance.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "integration/harness/postgres_process.h"
#include "kivi_server_process.h"

namespace kivi::testing {
namespace {

// The server and kivi-server live for the whole binary.
class PostgresServers : public ::testing::Environment {
 public:
  void SetUp() override {
    KIVI_REQUIRE_POSTGRES();
    absl::StatusOr<std::unique_ptr<PostgresProcess>> postgres =
        PostgresProcess::Start();
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    postgres_ = *std::move(postgres);
    absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
        KiviServerProcess::Start(
            {absl::StrCat("--backend=", postgres_->url(), "?table=kivi_grpc")});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override {
    server_.reset();
    postgres_.reset();
  }

  static std::string PostgresUrl() {
    return postgres_ != nullptr ? postgres_->url() : "postgres://127.0.0.1:1/x";
  }
  static std::string GrpcUrl() {
    return server_ != nullptr ? absl::StrCat("grpc://", server_->address())
                              : "grpc://127.0.0.1:1";
  }

 private:
  static std::unique_ptr<PostgresProcess> postgres_;
  static std::unique_ptr<KiviServerProcess> server_;
};

std::unique_ptr<PostgresProcess> PostgresServers::postgres_;
std::unique_ptr<KiviServerProcess> PostgresServers::server_;

const ::testing::Environment* const kServers =
    ::testing::AddGlobalTestEnvironment(new PostgresServers);

INSTANTIATE_TEST_SUITE_P(
    Postgres, ConformanceTest,
    ::testing::Values(
        ConformanceTarget{"postgres",
                          [] { return PostgresServers::PostgresUrl(); }},
        ConformanceTarget{"grpc_over_postgres",
                          [] { return PostgresServers::GrpcUrl(); }}),
    ConformanceTargetName);

}  // namespace
}  // namespace kivi::testing
