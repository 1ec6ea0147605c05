// The shared conformance suite over grpc:// in front of a kivi-server
// process whose backend is rocksdb:// in a temporary directory.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kivi_server_process.h"
#include "tests/conformance/conformance.h"
#include "tests/rocksdb/temp_dir.h"

namespace kivi::testing {
namespace {

class RocksDbServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    absl::StatusOr<std::unique_ptr<KiviServerProcess>> server =
        KiviServerProcess::Start(
            {absl::StrCat("--backend=rocksdb://", dir_->Sub("db"))});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    server_.reset();  // Killed before its directory is removed.
    dir_.reset();
  }

  std::string Url() const {
    return absl::StrCat("grpc://", server_->address());
  }

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<KiviServerProcess> server_;
};

// gtest owns the environment; it is set up before any test asks for Url().
RocksDbServerEnvironment* const environment =
    static_cast<RocksDbServerEnvironment*>(
        ::testing::AddGlobalTestEnvironment(new RocksDbServerEnvironment));

INSTANTIATE_TEST_SUITE_P(GrpcRocksDb, ConformanceTest,
                         ::testing::Values(ConformanceTarget{
                             "grpc_rocksdb",
                             [] { return environment->Url(); }}),
                         ConformanceTargetName);

}  // namespace
}  // namespace kivi::testing
