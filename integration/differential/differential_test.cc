// Differential test: seeded random sequences of every operation run in
// lockstep on memory:// (the reference) and on memcached://, rocksdb://,
// postgres://, grpc:// over memory:// and grpc:// over memcached://; every
// outcome (status code, value, version equality) must be the same on all of
// them, since changing the URL must never change behaviour. On a
// disagreement the seed, the step and each store's outcome are printed; the
// run of that seed stops there (the stores' states have diverged).
//
// redis:// is not here: its versions are content digests (see
// redis_backend.h), so a rewrite of the same bytes keeps the version that
// every other store changes, and a CompareAndSet the others refuse succeeds.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "integration/differential/operation.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/postgres_process.h"
#include "kivi/kivi.h"
#include "kivi/server/server.h"
#include "tests/rocksdb/temp_dir.h"

namespace kivi::testing {
namespace {

constexpr int kSeeds = 24;
constexpr int kStepsPerSeed = 300;

// Two memcached servers (one direct, one behind kivi-server, so Flush on
// one never touches the other), a RocksDB directory and two in-process
// kivi-servers.
class Stores : public ::testing::Environment {
 public:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    KIVI_REQUIRE_POSTGRES();
    absl::StatusOr<std::unique_ptr<PostgresProcess>> postgres =
        PostgresProcess::Start();
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    postgres_ = *std::move(postgres);
    rocksdb_dir_ = std::make_unique<TempDir>();
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
          MemcachedProcess::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      memcached_.push_back(*std::move(server));
    }
    for (const std::string& backend :
         {std::string("memory://"),
          absl::StrCat("memcached://", memcached_[1]->address())}) {
      absl::StatusOr<std::unique_ptr<Server>> server =
          Server::Start({.listen = "127.0.0.1:0", .backend_url = backend});
      ASSERT_TRUE(server.ok()) << server.status();
      servers_.push_back(*std::move(server));
    }
  }

  void TearDown() override {
    for (auto& server : servers_) server->Shutdown(absl::ZeroDuration());
    servers_.clear();
    memcached_.clear();
    rocksdb_dir_.reset();
    postgres_.reset();
  }

  // Name and URL of every store; the first is the reference.
  static std::vector<std::pair<std::string, std::string>> Urls() {
    return {
        {"memory", "memory://"},
        {"memcached", absl::StrCat("memcached://", memcached_[0]->address())},
        {"rocksdb", absl::StrCat("rocksdb://", rocksdb_dir_->Sub("db"))},
        {"postgres", postgres_->url()},
        {"grpc+memory", absl::StrCat("grpc://", servers_[0]->address())},
        {"grpc+memcached", absl::StrCat("grpc://", servers_[1]->address())},
    };
  }

 private:
  static std::vector<std::unique_ptr<MemcachedProcess>> memcached_;
  static std::vector<std::unique_ptr<Server>> servers_;
  static std::unique_ptr<TempDir> rocksdb_dir_;
  static std::unique_ptr<PostgresProcess> postgres_;
};

std::vector<std::unique_ptr<MemcachedProcess>> Stores::memcached_;
std::vector<std::unique_ptr<Server>> Stores::servers_;
std::unique_ptr<TempDir> Stores::rocksdb_dir_;
std::unique_ptr<PostgresProcess> Stores::postgres_;

::testing::Environment* const kStores =
    ::testing::AddGlobalTestEnvironment(new Stores);

class Differential : public ::testing::TestWithParam<int> {};

TEST_P(Differential, EveryStoreAgreesOnEveryOutcome) {
  const int seed = GetParam();
  // One namespace for every store (key length limits count it), fresh per
  // seed so runs never see each other's keys.
  const std::string ns = absl::StrCat("d", seed, "_");
  std::vector<std::string> names;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<StoreRun> runs;
  for (const auto& [name, url] : Stores::Urls()) {
    absl::StatusOr<std::unique_ptr<Client>> kv =
        Open(absl::StrCat(url, "?namespace=", ns));
    ASSERT_TRUE(kv.ok()) << name << ": " << kv.status();
    names.push_back(name);
    clients.push_back(*std::move(kv));
  }
  bool delayed_flush = true;
  for (auto& kv : clients) {
    delayed_flush = delayed_flush && kv->capabilities().delayed_flush;
  }
  runs.reserve(clients.size());
  for (auto& kv : clients) runs.emplace_back(*kv);

  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  for (int step = 0; step < kStepsPerSeed; ++step) {
    const Operation op =
        RandomOperation(rng, runs[0].versions_seen(), delayed_flush);
    std::vector<std::string> outcomes;
    for (StoreRun& run : runs) outcomes.push_back(run.Apply(op));
    bool agree = true;
    for (size_t i = 1; i < outcomes.size(); ++i) {
      agree = agree && outcomes[i] == outcomes[0];
    }
    if (agree) continue;
    std::string report =
        absl::StrCat("seed ", seed, " step ", step, ": ", Describe(op));
    for (size_t i = 0; i < outcomes.size(); ++i) {
      absl::StrAppend(&report, "\n  ", names[i], ": ", outcomes[i]);
    }
    // The test's name ends in its parameter's index, seed - 1.
    ADD_FAILURE() << report << "\n(reproduce: --gtest_filter=*Differential*/"
                  << seed - 1 << ")";
    return;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, Differential, ::testing::Range(1, kSeeds + 1));

}  // namespace
}  // namespace kivi::testing
