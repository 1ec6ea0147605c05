// Faults: a server frozen (SIGSTOP) or a cluster master killed (SIGKILL)
// under load. Every call ends within its timeout plus a margin; failures
// are DeadlineExceeded or Unavailable, never a miss; and no read ever
// returns a value other than the one its key was last acknowledged with.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "integration/harness/redis_process.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

// Slack for scheduling on a loaded machine beyond an operation's timeout.
constexpr absl::Duration kMargin = absl::Milliseconds(700);

bool IsOutage(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

TEST(RedisFault, FrozenServerIsDeadlineExceededWithinTheTimeoutThenRecovers) {
  KIVI_REQUIRE_REDIS();
  absl::StatusOr<std::unique_ptr<RedisProcess>> server = RedisProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("redis://", (*server)->address(),
                        "?timeout=300ms&connect_timeout=300ms&retry_timeout="
                        "200ms&failure_limit=2"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  ASSERT_TRUE((*kv)->Set("k", "v1").ok());

  (*server)->Signal(SIGSTOP);
  for (int i = 0; i < 4; ++i) {
    const absl::Time start = absl::Now();
    const absl::StatusOr<std::string> got = (*kv)->Get("k");
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(300) + kMargin);
    ASSERT_FALSE(got.ok()) << "a frozen server answered " << *got;
    EXPECT_TRUE(IsOutage(got.status())) << got.status();
  }
  const absl::StatusOr<BatchGetResult> batch = (*kv)->BatchGet({"k", "x"});
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->found.empty());
  EXPECT_EQ(batch->failed.size(), 2u);
  (*server)->Signal(SIGCONT);

  // Connections that timed out were closed: once the node is retried, each
  // reply matches its request again.
  absl::SleepFor(absl::Milliseconds(300));
  absl::StatusOr<std::string> again = (*kv)->Get("k");
  for (int i = 0; i < 10 && !again.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    again = (*kv)->Get("k");
  }
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, "v1");
  for (int i = 0; i < 50; ++i) {
    const std::string value = absl::StrCat("after-", i);
    ASSERT_TRUE((*kv)->Set("k", value).ok());
    EXPECT_EQ(*(*kv)->Get("k"), value);
  }
}

// Writers set their own keys to ever-new values and read them back while a
// master is killed. A read that succeeds returns exactly the value last
// acknowledged for its key; a failure is an outage, never NotFound for a
// key that was written.
TEST(RedisFault, KilledClusterMasterUnderLoadNeverYieldsAWrongValue) {
  KIVI_REQUIRE_REDIS();
  absl::StatusOr<std::unique_ptr<RedisCluster>> cluster =
      RedisCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("redis+cluster://", (*cluster)->SeedList(),
                        "?timeout=300ms&connect_timeout=300ms"));
  ASSERT_TRUE(kv.ok()) << kv.status();

  constexpr int kThreads = 4;
  constexpr int kKeysPerThread = 50;
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0}, oks{0}, outages{0}, other{0};
  absl::Mutex mu;
  std::string first_wrong;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Per key, the values a read may return: the last acknowledged one
      // ("" for none yet: a miss) and every unacknowledged one since.
      std::vector<std::vector<std::string>> possible(kKeysPerThread, {""});
      for (int round = 0; !stop.load(); ++round) {
        for (int k = 0; k < kKeysPerThread && !stop.load(); ++k) {
          const std::string key = absl::StrCat("t", t, ":k", k);
          const std::string value = absl::StrCat(key, "=", round);
          const absl::Time start = absl::Now();
          const absl::Status set = (*kv)->Set(key, value);
          if (set.ok()) {
            possible[k] = {value};
          } else {
            possible[k].push_back(value);
            if (!IsOutage(set)) ++other;
          }
          const absl::StatusOr<std::string> got = (*kv)->Get(key);
          if (absl::Now() - start > 2 * (absl::Milliseconds(300) + kMargin)) {
            ++other;
          }
          if (got.ok()) {
            ++oks;
            if (std::find(possible[k].begin(), possible[k].end(), *got) ==
                possible[k].end()) {
              ++wrong;
              absl::MutexLock lock(&mu);
              if (first_wrong.empty()) {
                first_wrong = absl::StrCat(key, ": got ", *got, " expected ",
                                           possible[k].front());
              }
            }
          } else if (IsOutage(got.status())) {
            ++outages;
          } else if (!absl::IsNotFound(got.status()) ||
                     std::find(possible[k].begin(), possible[k].end(), "") ==
                         possible[k].end()) {
            ++other;
          }
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  (*cluster)->node(1).Signal(SIGKILL);
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0) << first_wrong;
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(oks.load(), 100);
  EXPECT_GT(outages.load(), 0);

  // The surviving masters' keys still work.
  absl::StatusOr<BatchGetResult> batch = (*kv)->BatchGet(
      {"t0:k0", "t0:k1", "t0:k2", "t0:k3", "t0:k4", "t0:k5", "t0:k6"});
  ASSERT_TRUE(batch.ok());
  EXPECT_FALSE(batch->found.empty());
  EXPECT_FALSE(batch->failed.empty());
  for (const auto& [key, status] : batch->failed) {
    EXPECT_TRUE(IsOutage(status)) << key << ": " << status;
  }
}

}  // namespace
}  // namespace kivi::testing
