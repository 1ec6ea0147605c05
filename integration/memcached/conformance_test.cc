// The shared conformance suite over real memcached: one server, and a fleet
// of three (keys spread by the ketama ring).

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

// Servers live for the whole binary: started before the first test.
class MemcachedServers : public ::testing::Environment {
 public:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    for (int i = 0; i < 4; ++i) {
      absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
          MemcachedProcess::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      servers_.push_back(*std::move(server));
    }
  }
  void TearDown() override { servers_.clear(); }

  static std::string Url(size_t first, size_t count) {
    std::vector<std::string> hosts;
    for (size_t i = first; i < first + count && i < servers_.size(); ++i) {
      hosts.push_back(servers_[i]->address());
    }
    if (hosts.empty()) return "memcached://127.0.0.1:1";  // Never reached.
    return absl::StrCat("memcached://", absl::StrJoin(hosts, ","));
  }

 private:
  static std::vector<std::unique_ptr<MemcachedProcess>> servers_;
};

std::vector<std::unique_ptr<MemcachedProcess>> MemcachedServers::servers_;

const ::testing::Environment* const kServers =
    ::testing::AddGlobalTestEnvironment(new MemcachedServers);

INSTANTIATE_TEST_SUITE_P(
    Memcached, ConformanceTest,
    ::testing::Values(
        ConformanceTarget{"one_server",
                          [] { return MemcachedServers::Url(0, 1); }},
        ConformanceTarget{"three_servers",
                          [] { return MemcachedServers::Url(1, 3); }}),
    ConformanceTargetName);

}  // namespace
}  // namespace kivi::testing
