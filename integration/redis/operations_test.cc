// redis:// beyond the shared suite: interoperation with redis-cli (values
// are plain strings), the URL, cluster placement and redirections, TLS,
// ACL, the contract's counter rules through scripts, and GetOrSet's
// cross-process stampede guard.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/redis/redis_servers.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;

// Stops the shared deployments (and removes their directories) at exit.
class StopServers : public ::testing::Environment {
 public:
  void TearDown() override { RedisServers::StopAll(); }
};
const ::testing::Environment* const kStopServers =
    ::testing::AddGlobalTestEnvironment(new StopServers);

std::unique_ptr<Client> OpenOrDie(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Client>> client = Open(url);
  EXPECT_TRUE(client.ok()) << url << ": " << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

TEST(RedisInterop, RedisCliReadsWhatKiviWritesAndBack) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::SingleUrl() + "?namespace=interop:");
  ASSERT_NE(kv, nullptr);
  RedisProcess& server = RedisServers::Single();

  ASSERT_TRUE(kv->Set("from-kivi", "plain value").ok());
  EXPECT_EQ(*server.Cli({"GET", "interop:from-kivi"}), "plain value");

  ASSERT_TRUE(server.Cli({"SET", "interop:from-cli", "written by cli"}).ok());
  EXPECT_EQ(*kv->Get("from-cli"), "written by cli");

  ASSERT_TRUE(kv->Set("ttl", "v", {.ttl = absl::Seconds(100)}).ok());
  const int64_t pttl = std::stoll(*server.Cli({"PTTL", "interop:ttl"}));
  EXPECT_GT(pttl, 99000);
  EXPECT_LE(pttl, 100000);

  // Counters are decimal text either way.
  ASSERT_TRUE(server.Cli({"SET", "interop:n", "41"}).ok());
  EXPECT_EQ(*kv->Increment("n", 1), 42u);
  EXPECT_EQ(*server.Cli({"GET", "interop:n"}), "42");
}

TEST(RedisCounters, WrapAtTwoToThe64AndStopAtZeroKeepingTheTtl) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::SingleUrl() + "?namespace=counters:");
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(
      kv->Set("max", "18446744073709551615", {.ttl = absl::Seconds(100)}).ok());
  EXPECT_EQ(*kv->Increment("max", 2), 1u);
  const int64_t pttl =
      std::stoll(*RedisServers::Single().Cli({"PTTL", "counters:max"}));
  EXPECT_GT(pttl, 90000);
  ASSERT_TRUE(kv->Set("small", "5").ok());
  EXPECT_EQ(*kv->Decrement("small", 9), 0u);
  EXPECT_EQ(*kv->Increment("small", INT64_MAX), uint64_t{INT64_MAX});
  EXPECT_EQ(*kv->Decrement("small", INT64_MAX), 0u);
  ASSERT_TRUE(kv->Set("text", "12a").ok());
  EXPECT_EQ(kv->Increment("text", 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(kv->Set("huge", "18446744073709551616").ok());
  EXPECT_EQ(kv->Increment("huge", 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(RedisScripts, NoscriptAfterScriptFlushIsReloaded) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::SingleUrl() + "?namespace=scripts:");
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(*kv->Increment("n", 1, {.initial = 7}), 7u);
  ASSERT_TRUE(RedisServers::Single().Cli({"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(*kv->Increment("n", 1), 8u);
}

TEST(RedisUrl, RejectsUnknownAndMalformedParametersBeforeIo) {
  for (const char* url : {
           "redis://127.0.0.1:1?bogus=1",
           "redis://127.0.0.1:1?timeout=fast",
           "redis://127.0.0.1:1/x",
           "redis://127.0.0.1:1,127.0.0.1:2",
           "redis://127.0.0.1:99999",
           "redis+cluster://127.0.0.1:1/0",
           "redis://127.0.0.1:1?tls_ca=/x",
           "rediss://127.0.0.1:1?tls=0",
           "redis://127.0.0.1:1?password_file=/nonexistent/kivi",
           "redis://",
       }) {
    absl::StatusOr<std::unique_ptr<Client>> client = Open(url);
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument)
        << url << ": " << client.status();
  }
  absl::StatusOr<std::unique_ptr<Client>> unknown =
      Open("redis://127.0.0.1:1?bogus=1");
  EXPECT_THAT(unknown.status().message(), HasSubstr("bogus"));
}

TEST(RedisUrl, DatabaseSelectsALogicalDatabase) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> db3 = OpenOrDie(RedisServers::SingleUrl() + "/3");
  ASSERT_NE(db3, nullptr);
  ASSERT_TRUE(db3->Set("db-key", "in three").ok());
  EXPECT_EQ(*RedisServers::Single().Cli({"-n", "3", "GET", "db-key"}),
            "in three");
  EXPECT_EQ(*RedisServers::Single().Cli({"EXISTS", "db-key"}), "0");
}

TEST(RedisCluster, KeysLandOnTheirSlotsMaster) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv = OpenOrDie(RedisServers::ClusterUrl());
  ASSERT_NE(kv, nullptr);
  RedisCluster& cluster = RedisServers::Cluster();
  std::vector<KeyValue> entries;
  for (int i = 0; i < 60; ++i) {
    entries.push_back({absl::StrCat("spread:", i), absl::StrCat("v", i)});
  }
  absl::StatusOr<BatchWriteResult> set = kv->BatchSet(entries);
  ASSERT_TRUE(set.ok() && set->ok());
  int on_each[3] = {0, 0, 0};
  for (const KeyValue& e : entries) {
    int holders = 0;
    for (int n = 0; n < 3; ++n) {
      // redis-cli without -c does not follow MOVED: it sees only its node.
      absl::StatusOr<std::string> seen = cluster.node(n).Cli({"GET", e.key});
      if (seen.ok() && *seen == e.value) {
        ++holders;
        ++on_each[n];
      }
    }
    EXPECT_EQ(holders, 1) << e.key;
  }
  for (int n = 0; n < 3; ++n) EXPECT_GT(on_each[n], 0) << "node " << n;

  std::vector<std::string> keys;
  for (const KeyValue& e : entries) keys.push_back(e.key);
  keys.push_back("spread:absent");
  absl::StatusOr<BatchGetResult> got = kv->BatchGet(keys);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->found.size(), entries.size());
  EXPECT_TRUE(got->failed.empty());
  EXPECT_THAT(*kv->List("spread:"), ::testing::SizeIs(entries.size()));
  EXPECT_EQ(kv->Health().endpoints.size(), 3u);
}

TEST(RedisCluster, HashTagsKeepKeysTogether) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv = OpenOrDie(RedisServers::ClusterUrl());
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("{user7}.name", "ann").ok());
  ASSERT_TRUE(kv->Set("{user7}.mail", "ann@x").ok());
  int together = 0;
  for (const auto& node : RedisServers::Cluster().nodes()) {
    absl::StatusOr<std::string> n =
        node->Cli({"EXISTS", "{user7}.name", "{user7}.mail"});
    if (n.ok() && *n == "2") ++together;
  }
  EXPECT_EQ(together, 1);
}

TEST(RedisCluster, MovedSlotIsFollowedAndTheMapRefreshed) {
  KIVI_REQUIRE_REDIS();
  RedisCluster& cluster = RedisServers::Cluster();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::ClusterUrl() + "?namespace=moving:");
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("k", "before").ok());
  const std::string slot =
      *cluster.node(0).Cli({"CLUSTER", "KEYSLOT", "moving:k"});
  // Find the owner and another master, then move the slot with its key.
  int owner = -1;
  for (int n = 0; n < 3; ++n) {
    if (cluster.node(n).Cli({"GET", "moving:k"}).value_or("") == "before")
      owner = n;
  }
  ASSERT_GE(owner, 0);
  const int target = (owner + 1) % 3;
  const std::string owner_id = *cluster.node(owner).Cli({"CLUSTER", "MYID"});
  const std::string target_id = *cluster.node(target).Cli({"CLUSTER", "MYID"});
  ASSERT_TRUE(cluster.node(target)
                  .Cli({"CLUSTER", "SETSLOT", slot, "IMPORTING", owner_id})
                  .ok());
  ASSERT_TRUE(cluster.node(owner)
                  .Cli({"CLUSTER", "SETSLOT", slot, "MIGRATING", target_id})
                  .ok());
  ASSERT_TRUE(cluster.node(owner)
                  .Cli({"MIGRATE", "127.0.0.1",
                        absl::StrCat(cluster.node(target).port()), "moving:k",
                        "0", "5000"})
                  .ok());
  // Mid-migration the old owner answers ASK for the moved key.
  EXPECT_EQ(*kv->Get("k"), "before");
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(cluster.node(n)
                    .Cli({"CLUSTER", "SETSLOT", slot, "NODE", target_id})
                    .ok());
  }
  // Now the old owner answers MOVED; the client follows and refreshes.
  EXPECT_EQ(*kv->Get("k"), "before");
  ASSERT_TRUE(kv->Set("k", "after").ok());
  EXPECT_EQ(*cluster.node(target).Cli({"GET", "moving:k"}), "after");
  absl::StatusOr<BatchGetResult> batch = kv->BatchGet({"k"});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->found.at("k"), "after");
}

TEST(RedisTls, VerifiedConnectionWorksUnknownCaWrongNameAndPlainAreRefused) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv = OpenOrDie(RedisServers::TlsUrl());
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("k", std::string(200000, 'z')).ok());
  EXPECT_EQ(*kv->Get("k"), std::string(200000, 'z'));
  EXPECT_TRUE(kv->Health().ok());

  // Trusting the system store only: the test CA is unknown.
  std::unique_ptr<Client> untrusted = OpenOrDie(
      absl::StrCat("rediss://", RedisServers::Tls().address(), "?timeout=2s"));
  ASSERT_NE(untrusted, nullptr);
  EXPECT_EQ(untrusted->Get("k").status().code(),
            absl::StatusCode::kUnavailable);

  // The certificate is for 127.0.0.1 and localhost: another name is refused.
  std::unique_ptr<Client> misnamed = OpenOrDie(absl::StrCat(
      RedisServers::TlsUrl(), "&tls_server_name=other.example&timeout=2s"));
  ASSERT_NE(misnamed, nullptr);
  EXPECT_EQ(misnamed->Get("k").status().code(), absl::StatusCode::kUnavailable);
  std::unique_ptr<Client> by_name =
      OpenOrDie(absl::StrCat("rediss://localhost:", RedisServers::Tls().port(),
                             "?tls_ca=", RedisServers::Certificates().ca()));
  ASSERT_NE(by_name, nullptr);
  EXPECT_EQ(*by_name->Get("k"), std::string(200000, 'z'));

  // Plain RESP to a TLS port gets no answer it can use.
  std::unique_ptr<Client> plain =
      OpenOrDie(absl::StrCat("redis://", RedisServers::Tls().address(),
                             "?timeout=300ms&connect_timeout=300ms"));
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->Get("k").ok());
}

TEST(RedisAcl, RightPasswordWorksWrongOneAndNoneAreUnauthenticated) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv = OpenOrDie(RedisServers::AclUrl());
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("k", "v").ok());
  EXPECT_EQ(*kv->Get("k"), "v");

  const std::string address = RedisServers::Acl().address();
  std::unique_ptr<Client> wrong =
      OpenOrDie(absl::StrCat("redis://", kAclUser, ":wrong@", address));
  ASSERT_NE(wrong, nullptr);
  absl::Status status = wrong->Get("k").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_THAT(status.message(), HasSubstr(address));

  std::unique_ptr<Client> none = OpenOrDie(absl::StrCat("redis://", address));
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->Get("k").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(RedisAcl, PasswordFileAuthenticates) {
  KIVI_REQUIRE_REDIS();
  const std::string path = RedisServers::Acl().dir() + "/password";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(kAclPassword, f);
    std::fputs("\n", f);
    std::fclose(f);
  }
  std::unique_ptr<Client> kv = OpenOrDie(
      absl::StrCat("redis://", kAclUser, "@", RedisServers::Acl().address(),
                   "?password_file=", path));
  ASSERT_NE(kv, nullptr);
  EXPECT_TRUE(kv->Set("pf", "ok").ok());
}

// Two independent clients (as two processes would be) miss the same key at
// once: the loader runs once, and both get its value.
TEST(RedisGetOrSet, StampedeGuardRunsTheLoaderOnceAcrossClients) {
  KIVI_REQUIRE_REDIS();
  const std::string url = RedisServers::SingleUrl() + "?namespace=stampede:";
  std::unique_ptr<Client> first = OpenOrDie(url);
  std::unique_ptr<Client> second = OpenOrDie(url);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::atomic<int> loads{0};
  auto loader = [&]() -> absl::StatusOr<std::string> {
    ++loads;
    absl::SleepFor(absl::Milliseconds(300));
    return std::string("loaded");
  };
  absl::StatusOr<std::string> a, b;
  std::thread ta([&] { a = first->GetOrSet("k", absl::Minutes(1), loader); });
  std::thread tb([&] { b = second->GetOrSet("k", absl::Minutes(1), loader); });
  ta.join();
  tb.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(*a, "loaded");
  EXPECT_EQ(*b, "loaded");
}

}  // namespace
}  // namespace kivi::testing
