// Behaviour specific to the memcached backend beyond the conformance suite:
// cross-process stampede protection, List through the LRU crawler, server
// limits, the pool bound, health and URL parameters.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::unique_ptr<Client> OpenOrDie(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Client>> client = Open(url);
  EXPECT_TRUE(client.ok()) << url << ": " << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

std::unique_ptr<MemcachedProcess> StartOrDie(
    std::vector<std::string> args = {}) {
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start(std::move(args));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

class MemcachedOperations : public ::testing::Test {
 protected:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    server_ = StartOrDie();
    ASSERT_NE(server_, nullptr);
  }
  std::string Url(absl::string_view query = "") const {
    return absl::StrCat("memcached://", server_->address(),
                        query.empty() ? "" : "?", query);
  }

  std::unique_ptr<MemcachedProcess> server_;
};

TEST_F(MemcachedOperations, GetOrSetLoadsOnceAcrossIndependentClients) {
  // Two clients stand for two processes: their in-process single-flight
  // cannot see each other, so only the server's stampede protection can
  // keep the loader to one call.
  std::unique_ptr<Client> a = OpenOrDie(Url());
  std::unique_ptr<Client> b = OpenOrDie(Url());
  ASSERT_TRUE(a && b);
  std::atomic<int> loads{0};
  auto loader = [&]() -> absl::StatusOr<std::string> {
    loads.fetch_add(1);
    absl::SleepFor(absl::Milliseconds(300));
    return std::string("computed");
  };
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      Client& kv = i % 2 == 0 ? *a : *b;
      absl::StatusOr<std::string> v =
          kv.GetOrSet("stampede", absl::Minutes(5), loader);
      if (v.ok() && *v == "computed") right.fetch_add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(right.load(), 6);
  EXPECT_EQ(*a->Get("stampede"), "computed");
}

TEST_F(MemcachedOperations, GetOrSetLoaderFailureLetsTheNextCallerLoadAtOnce) {
  std::unique_ptr<Client> kv = OpenOrDie(Url());
  ASSERT_NE(kv, nullptr);
  absl::StatusOr<std::string> failed = kv->GetOrSet(
      "k", absl::Minutes(1),
      []() -> absl::StatusOr<std::string> {
        return absl::UnavailableError("database down");
      });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  absl::Time start = absl::Now();
  absl::StatusOr<std::string> loaded = kv->GetOrSet(
      "k", absl::Minutes(1),
      []() -> absl::StatusOr<std::string> { return std::string("v"); });
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, "v");
  // No waiting for a placeholder the failed winner left behind.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

TEST_F(MemcachedOperations, ListDecodesEscapedKeys) {
  std::unique_ptr<Client> kv = OpenOrDie(Url());
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("esc:100%", "1").ok());
  ASSERT_TRUE(kv->Set("esc:caf\xc3\xa9", "2").ok());
  ASSERT_TRUE(kv->Set("esc:a=b&c", "3").ok());
  ASSERT_TRUE(kv->Set("other", "4").ok());
  absl::StatusOr<std::vector<std::string>> keys = kv->List("esc:");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_THAT(*keys, UnorderedElementsAre("esc:100%", "esc:caf\xc3\xa9",
                                          "esc:a=b&c"));
}

TEST(MemcachedList, ServerWithDumpingDisabledIsFailedPrecondition) {
  KIVI_REQUIRE_MEMCACHED();
  std::unique_ptr<MemcachedProcess> server = StartOrDie({"-X"});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Client> kv =
      OpenOrDie(absl::StrCat("memcached://", server->address()));
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("k", "v").ok());
  absl::StatusOr<std::vector<std::string>> keys = kv->List();
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(keys.status().message(), HasSubstr(server->address()));
  EXPECT_THAT(keys.status().message(), HasSubstr("disabled"));
  // The server is fine otherwise.
  EXPECT_EQ(*kv->Get("k"), "v");
}

TEST(MemcachedSet, ValueOverTheServersItemSizeIsInvalidArgument) {
  KIVI_REQUIRE_MEMCACHED();
  // -I 64k: smaller than kivi's default max_value_bytes, so the server, not
  // the client, refuses. (memcached wants slab_chunk_max <= -I/2.)
  std::unique_ptr<MemcachedProcess> server =
      StartOrDie({"-I", "64k", "-o", "slab_chunk_max=32768"});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<Client> kv =
      OpenOrDie(absl::StrCat("memcached://", server->address()));
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("k", "small").ok());
  absl::Status s = kv->Set("k", std::string(100 * 1024, 'x'));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr(server->address()));
  EXPECT_THAT(s.message(), HasSubstr("too large"));
  // memcached drops the old value when it refuses a new one for size, so
  // the backend refuses before sending (limits_test.cc has the details).
  EXPECT_EQ(*kv->Get("k"), "small");
  ASSERT_TRUE(kv->Set("k2", "fine").ok());
  EXPECT_EQ(*kv->Get("k2"), "fine");
}

int64_t TotalConnections(Client& kv) {
  absl::StatusOr<std::vector<EndpointStats>> stats = kv.Stats();
  EXPECT_TRUE(stats.ok()) << stats.status();
  if (!stats.ok()) return -1;
  for (const auto& [name, value] : (*stats)[0].values) {
    int64_t n;
    if (name == "total_connections" && absl::SimpleAtoi(value, &n)) return n;
  }
  ADD_FAILURE() << "no total_connections stat";
  return -1;
}

TEST_F(MemcachedOperations, PoolNeverOpensMoreThanMaxConns) {
  std::unique_ptr<Client> kv = OpenOrDie(Url("max_conns=2&max_idle=2"));
  ASSERT_NE(kv, nullptr);
  // The first Stats opens the first pooled connection.
  int64_t before = TotalConnections(*kv);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string key = absl::StrCat("p", t, ":", i);
        if (!kv->Set(key, "v").ok() || !kv->Get(key).ok()) failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(TotalConnections(*kv) - before, 1);
}

TEST_F(MemcachedOperations, HealthReportsEveryServer) {
  std::unique_ptr<MemcachedProcess> dead = StartOrDie();
  ASSERT_NE(dead, nullptr);
  std::string dead_address = dead->address();
  dead->Stop();
  std::unique_ptr<Client> kv = OpenOrDie(absl::StrCat(
      "memcached://", server_->address(), ",", dead_address));
  ASSERT_NE(kv, nullptr);
  HealthReport report = kv->Health(absl::Milliseconds(500));
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.endpoints.size(), 2u);
  EXPECT_EQ(report.endpoints[0].endpoint, server_->address());
  EXPECT_TRUE(report.endpoints[0].ok) << report.endpoints[0].error;
  EXPECT_GT(report.endpoints[0].latency, absl::ZeroDuration());
  EXPECT_EQ(report.endpoints[1].endpoint, dead_address);
  EXPECT_FALSE(report.endpoints[1].ok);
  EXPECT_THAT(report.endpoints[1].error.message(), HasSubstr(dead_address));
}

TEST_F(MemcachedOperations, IncrementCreatesDecrementsAndRejectsText) {
  std::unique_ptr<Client> kv = OpenOrDie(Url());
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(*kv->Increment("n", 5, {.initial = 10}), 10u);
  EXPECT_EQ(*kv->Increment("n", 5), 15u);
  EXPECT_EQ(*kv->Decrement("n", 100), 0u);
  EXPECT_EQ(kv->Increment("absent", 1, {.create = false}).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(kv->Set("text", "abc").ok());
  absl::StatusOr<uint64_t> bad = kv->Increment("text", 1);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(bad.status().message(), HasSubstr(server_->address()));
}

TEST(MemcachedUrl, RejectsUnknownAndMalformedParameters) {
  EXPECT_EQ(Open("memcached://127.0.0.1:1?bogus=1").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status hash = Open("memcached://127.0.0.1:1?hash=md5").status();
  EXPECT_EQ(hash.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(hash.message(), HasSubstr("hash"));
  absl::Status failover =
      Open("memcached://127.0.0.1:1?failover=sometimes").status();
  EXPECT_THAT(failover.message(), HasSubstr("failover"));
  EXPECT_EQ(Open("memcached://?timeout=1s").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Open("memcached://127.0.0.1:1?timeout=soon").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Open("memcached://127.0.0.1:1?auth_file=/nonexistent").status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Open("memcached://127.0.0.1:1,127.0.0.1:2*3?timeout=250ms&"
                   "connect_timeout=1s&max_conns=4&max_idle=2&hash=ketama&"
                   "retry_timeout=2s&failure_limit=3&failover=rehash")
                  .ok());
}

}  // namespace
}  // namespace kivi::testing
