// redis:// with many callers on few connections: synchronous threads and
// asynchronous calls share each node's multiplexed connections. Every
// caller gets the reply to its own request (Redis matches replies by order
// alone, so one reply delivered to the wrong request would show here as a
// foreign value); a frozen node ends every call within its deadline and
// the replies it sends after thawing reach nobody; asynchronous calls
// follow a cluster's ASK and MOVED redirections.

#include <signal.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "integration/harness/redis_process.h"
#include "integration/redis/redis_servers.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

// Slack for scheduling on a loaded machine (two cores, several test
// binaries, possibly under a sanitizer) beyond an operation's timeout.
constexpr absl::Duration kMargin = absl::Milliseconds(700);

class StopServers : public ::testing::Environment {
 public:
  void TearDown() override { RedisServers::StopAll(); }
};
const ::testing::Environment* const kStopServers =
    ::testing::AddGlobalTestEnvironment(new StopServers);

// Counts completions and lets a test wait for all of them.
class Latch {
 public:
  explicit Latch(int count) : count_(count) {}
  void Arrive() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  // True when every call arrived by `timeout`.
  bool Wait(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto done = [this]()
                    ABSL_SHARED_LOCKS_REQUIRED(mu_) { return count_ == 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_);
};

std::unique_ptr<Client> OpenOrDie(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Client>> client = Open(url);
  EXPECT_TRUE(client.ok()) << url << ": " << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

// Each sync thread and each async wave writes its own keys with values
// that name key and round, and reads them back: any reply handed to the
// wrong request shows as a foreign value.
void EveryCallerGetsItsOwn(Client& kv, absl::string_view tag) {
  constexpr int kSyncThreads = 8;
  constexpr int kAsyncThreads = 2;
  constexpr int kRounds = 160;
  constexpr int kInFlight = 32;
  std::atomic<int> wrong{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kSyncThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        const std::string key = absl::StrCat(tag, ":s", t, ":", r % 7);
        const std::string value = absl::StrCat(key, "=", r);
        if (!kv.Set(key, value).ok()) ++failed;
        const absl::StatusOr<std::string> got = kv.Get(key);
        if (!got.ok()) {
          ++failed;
        } else if (*got != value) {
          ++wrong;
        }
      }
    });
  }
  for (int t = 0; t < kAsyncThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds / 4; ++r) {
        Latch set_done(kInFlight);
        for (int i = 0; i < kInFlight; ++i) {
          const std::string key = absl::StrCat(tag, ":a", t, ":", i);
          kv.SetAsync(key, absl::StrCat(key, "=", r), {}, [&](absl::Status s) {
            if (!s.ok()) ++failed;
            set_done.Arrive();
          });
        }
        ASSERT_TRUE(set_done.Wait(absl::Seconds(10)));
        Latch get_done(kInFlight);
        for (int i = 0; i < kInFlight; ++i) {
          const std::string key = absl::StrCat(tag, ":a", t, ":", i);
          kv.GetAsync(key, [&, expected = absl::StrCat(key, "=", r)](
                               absl::StatusOr<std::string> got) {
            if (!got.ok()) {
              ++failed;
            } else if (*got != expected) {
              ++wrong;
            }
            get_done.Arrive();
          });
        }
        ASSERT_TRUE(get_done.Wait(absl::Seconds(10)));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed.load(), 0);
}

TEST(RedisAsync, ManyThreadsAndAsyncCallersEachGetTheirOwnValues) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::SingleUrl() + "?mux_conns=2&timeout=5s");
  ASSERT_NE(kv, nullptr);
  EveryCallerGetsItsOwn(*kv, "own");
}

// Without multiplexed connections every call takes a pooled connection of
// its own, and asynchronous calls run on the client's executor.
TEST(RedisAsync, WithoutMultiplexingEveryCallerStillGetsItsOwn) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::SingleUrl() + "?mux_conns=0&timeout=5s");
  ASSERT_NE(kv, nullptr);
  EveryCallerGetsItsOwn(*kv, "nomux");
}

TEST(RedisAsync, EveryOperationAnswersAsTheSyncOneDoes) {
  KIVI_REQUIRE_REDIS();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::SingleUrl() + "?namespace=asyncops:");
  ASSERT_NE(kv, nullptr);
  // Starts an async call with a status result and waits for it.
  auto status = [](const std::function<void(Callback<absl::Status>)>& run) {
    absl::Notification done;
    absl::Status result = absl::UnknownError("no callback");
    run([&](absl::Status s) {
      result = std::move(s);
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return result;
  };
  EXPECT_TRUE(
      status([&](auto cb) { kv->SetAsync("a", "1", {}, std::move(cb)); }).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(
      status([&](auto cb) { kv->AddAsync("a", "2", {}, std::move(cb)); })));
  EXPECT_TRUE(absl::IsNotFound(status(
      [&](auto cb) { kv->ReplaceAsync("absent", "2", {}, std::move(cb)); })));
  EXPECT_TRUE(
      status([&](auto cb) { kv->AppendAsync("a", "23", std::move(cb)); }).ok());
  EXPECT_TRUE(status([&](auto cb) {
                kv->TouchAsync("a", absl::Seconds(100), std::move(cb));
              }).ok());
  EXPECT_EQ(*kv->Get("a"), "123");

  absl::Notification counted;
  kv->IncrementAsync("a", 7, {}, [&](absl::StatusOr<uint64_t> n) {
    EXPECT_TRUE(n.ok()) << n.status();
    if (n.ok()) EXPECT_EQ(*n, 130u);
    counted.Notify();
  });
  ASSERT_TRUE(counted.WaitForNotificationWithTimeout(absl::Seconds(10)));

  absl::Notification read;
  uint64_t version = 0;
  kv->GetVersionedAsync("a", [&](absl::StatusOr<VersionedValue> v) {
    EXPECT_TRUE(v.ok()) << v.status();
    if (v.ok()) {
      EXPECT_EQ(v->value, "130");
      version = v->version;
    }
    read.Notify();
  });
  ASSERT_TRUE(read.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(absl::IsAborted(status([&](auto cb) {
    kv->CompareAndSetAsync("a", "x", version + 1, {}, std::move(cb));
  })));
  EXPECT_TRUE(status([&](auto cb) {
                kv->CompareAndSetAsync("a", "cas", version, {}, std::move(cb));
              }).ok());

  absl::Notification touched;
  kv->GetAndTouchAsync("a", absl::Seconds(50),
                       [&](absl::StatusOr<std::string> v) {
                         EXPECT_TRUE(v.ok() && *v == "cas") << v.status();
                         touched.Notify();
                       });
  ASSERT_TRUE(touched.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(
      status([&](auto cb) { kv->DeleteAsync("a", std::move(cb)); }).ok());
  absl::Notification missed;
  kv->GetAsync("a", [&](absl::StatusOr<std::string> v) {
    EXPECT_TRUE(absl::IsNotFound(v.status())) << v.status();
    missed.Notify();
  });
  ASSERT_TRUE(missed.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

// While the node is frozen, sync and async calls end DeadlineExceeded (or
// Unavailable once the node is marked down) within timeout + kMargin.
// After it thaws, it answers the stale requests; none of those replies
// may reach the fresh requests that follow, each of which must read the
// value just written.
TEST(RedisAsync, FrozenNodeEndsEveryCallByItsDeadlineAndLateRepliesReachNoOne) {
  KIVI_REQUIRE_REDIS();
  absl::StatusOr<std::unique_ptr<RedisProcess>> server = RedisProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  constexpr absl::Duration kTimeout = absl::Milliseconds(400);
  std::unique_ptr<Client> kv = OpenOrDie(absl::StrCat(
      "redis://", (*server)->address(),
      "?timeout=400ms&connect_timeout=400ms&mux_conns=2&failure_limit=1000"));
  ASSERT_NE(kv, nullptr);
  constexpr int kKeys = 40;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(kv->Set(absl::StrCat("k", i), absl::StrCat("old", i)).ok());
  }

  (*server)->Signal(SIGSTOP);
  std::atomic<int> answered{0};
  std::atomic<int> late{0};
  std::atomic<int> not_outage{0};
  auto check = [&](absl::Time start, const absl::Status& s) {
    if (absl::Now() - start > kTimeout + kMargin) ++late;
    if (s.ok()) ++answered;
    if (!absl::IsDeadlineExceeded(s) && !absl::IsUnavailable(s)) ++not_outage;
  };
  Latch async_done(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    const absl::Time start = absl::Now();
    kv->GetAsync(absl::StrCat("k", i),
                 [&, start](absl::StatusOr<std::string> v) {
                   check(start, v.status());
                   async_done.Arrive();
                 });
  }
  std::vector<std::thread> sync;
  for (int t = 0; t < 4; ++t) {
    sync.emplace_back([&, t] {
      for (int r = 0; r < 2; ++r) {
        const absl::Time start = absl::Now();
        check(start, kv->Get(absl::StrCat("k", t)).status());
      }
    });
  }
  for (std::thread& t : sync) t.join();
  EXPECT_TRUE(async_done.Wait(kTimeout + kMargin + absl::Seconds(1)));
  (*server)->Signal(SIGCONT);
  EXPECT_EQ(answered.load(), 0) << "a frozen server answered";
  EXPECT_EQ(late.load(), 0) << "calls ended past timeout + margin";
  EXPECT_EQ(not_outage.load(), 0);

  // Fresh values, read back by many concurrent calls while the thawed
  // server still sends the stale replies ("old<i>") that nobody may get.
  for (int round = 0; round < 3; ++round) {
    Latch wrote(kKeys);
    std::atomic<int> write_failed{0};
    for (int i = 0; i < kKeys; ++i) {
      kv->SetAsync(absl::StrCat("k", i), absl::StrCat("new", round, "-", i), {},
                   [&](absl::Status s) {
                     if (!s.ok()) ++write_failed;
                     wrote.Arrive();
                   });
    }
    ASSERT_TRUE(wrote.Wait(absl::Seconds(10)));
    if (write_failed.load() > 0) continue;  // Still reconnecting.
    Latch read(kKeys);
    std::atomic<int> wrong{0};
    for (int i = 0; i < kKeys; ++i) {
      kv->GetAsync(absl::StrCat("k", i),
                   [&, want = absl::StrCat("new", round, "-", i)](
                       absl::StatusOr<std::string> v) {
                     if (v.ok() && *v != want) ++wrong;
                     read.Arrive();
                   });
    }
    ASSERT_TRUE(read.Wait(absl::Seconds(10)));
    EXPECT_EQ(wrong.load(), 0) << "round " << round;
  }
  const absl::StatusOr<std::string> last = kv->Get("k0");
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, "new2-0");
}

// Async Gets of a key whose slot is moving: the old owner answers ASK
// (mid-migration), then MOVED (after it); both are followed.
TEST(RedisAsync, ClusterAskAndMovedAreFollowed) {
  KIVI_REQUIRE_REDIS();
  RedisCluster& cluster = RedisServers::Cluster();
  std::unique_ptr<Client> kv =
      OpenOrDie(RedisServers::ClusterUrl() + "?namespace=amoving:");
  ASSERT_NE(kv, nullptr);
  EveryCallerGetsItsOwn(*kv, "cl");
  ASSERT_TRUE(kv->Set("k", "before").ok());
  const std::string slot =
      *cluster.node(0).Cli({"CLUSTER", "KEYSLOT", "amoving:k"});
  int owner = -1;
  for (int n = 0; n < 3; ++n) {
    if (cluster.node(n).Cli({"GET", "amoving:k"}).value_or("") == "before") {
      owner = n;
    }
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
                        absl::StrCat(cluster.node(target).port()), "amoving:k",
                        "0", "5000"})
                  .ok());
  auto get_all = [&](const std::string& want) {
    constexpr int kCalls = 16;
    Latch done(kCalls);
    std::atomic<int> right{0};
    for (int i = 0; i < kCalls; ++i) {
      kv->GetAsync("k", [&](absl::StatusOr<std::string> v) {
        EXPECT_TRUE(v.ok()) << v.status();
        if (v.ok() && *v == want) ++right;
        done.Arrive();
      });
    }
    EXPECT_TRUE(done.Wait(absl::Seconds(10)));
    EXPECT_EQ(right.load(), kCalls);
  };
  get_all("before");  // ASK.
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(cluster.node(n)
                    .Cli({"CLUSTER", "SETSLOT", slot, "NODE", target_id})
                    .ok());
  }
  get_all("before");  // MOVED.
  absl::Notification set;
  kv->SetAsync("k", "after", {}, [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    set.Notify();
  });
  ASSERT_TRUE(set.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(*cluster.node(target).Cli({"GET", "amoving:k"}), "after");
  get_all("after");
}

}  // namespace
}  // namespace kivi::testing
