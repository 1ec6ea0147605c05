// memcached:// on multiplexed connections (net/multiplexer.h), against real
// memcached processes: many callers on few connections each get their own
// values; a request whose deadline passes while the server is frozen is
// DeadlineExceeded in time and its late reply reaches no other request; a
// garbage reply retires the connection and fails the requests on it
// cleanly.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/proxy/fault_proxy.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Milliseconds(300);
// What a call may take beyond its timeout: scheduling on a loaded machine
// with two cores shared by several test programs, and sanitizers.
constexpr absl::Duration kMargin = absl::Milliseconds(700);

std::unique_ptr<MemcachedProcess> StartOrDie() {
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<Client> OpenOrDie(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(url);
  EXPECT_TRUE(kv.ok()) << kv.status();
  return kv.ok() ? *std::move(kv) : nullptr;
}

// The server's count of connections ever accepted.
int64_t TotalConnections(Client& kv) {
  absl::StatusOr<std::vector<EndpointStats>> stats = kv.Stats();
  if (!stats.ok()) return -1;
  for (const auto& [name, value] : (*stats)[0].values) {
    int64_t n;
    if (name == "total_connections" && absl::SimpleAtoi(value, &n)) return n;
  }
  return -1;
}

class Multiplexed : public ::testing::Test {
 protected:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    server_ = StartOrDie();
    ASSERT_NE(server_, nullptr);
  }
  std::string Url(absl::string_view params) const {
    return absl::StrCat("memcached://", server_->address(), "?", params);
  }
  std::unique_ptr<MemcachedProcess> server_;
};

TEST_F(Multiplexed, OneCallerStaysOnOneConnection) {
  std::unique_ptr<Client> kv = OpenOrDie(Url("mux_conns=4&max_conns=8"));
  ASSERT_NE(kv, nullptr);
  const int64_t before = TotalConnections(*kv);
  for (int i = 0; i < 200; ++i) {
    const std::string key = absl::StrCat("solo", i);
    ASSERT_TRUE(kv->Set(key, key).ok());
    absl::StatusOr<std::string> got = kv->Get(key);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, key);
  }
  // The Stats connection is reused by the multiplexer: no new one at all,
  // or at most one.
  EXPECT_LE(TotalConnections(*kv) - before, 1);
}

TEST_F(Multiplexed, ManyThreadsOnTwoConnectionsGetTheirOwnValues) {
  std::unique_ptr<Client> kv =
      OpenOrDie(Url("mux_conns=2&max_conns=2&timeout=5s"));
  ASSERT_NE(kv, nullptr);
  const int64_t before = TotalConnections(*kv);
  constexpr int kThreads = 16;
  constexpr int kOps = 150;
  std::atomic<int> wrong{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        // Values of different lengths, so a reply delivered to the wrong
        // caller cannot pass for the right one.
        const std::string key = absl::StrCat("t", t, ":", i % 10);
        const std::string value =
            absl::StrCat(key, "=", i, std::string(t * 7 + i % 13, 'x'));
        if (!kv->Set(key, value).ok()) {
          ++failed;
          continue;
        }
        absl::StatusOr<std::string> got = kv->Get(key);
        if (!got.ok()) {
          ++failed;
        } else if (*got != value) {
          ++wrong;
        }
        // The first call creates the counter at 0 (delta not applied).
        absl::StatusOr<uint64_t> n =
            kv->Increment(absl::StrCat("n", t), 1, {.initial = 0});
        if (!n.ok()) {
          ++failed;
        } else if (*n != static_cast<uint64_t>(i)) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LE(TotalConnections(*kv) - before, 2);
}

// Waits until `pending` reaches zero or `limit` passes; false on timeout.
bool WaitForZero(std::atomic<int>& pending, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (pending.load() > 0) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST_F(Multiplexed, AsyncAndSyncCallersShareConnectionsAndGetTheirOwnValues) {
  std::unique_ptr<Client> kv =
      OpenOrDie(Url("mux_conns=2&max_conns=4&timeout=5s"));
  ASSERT_NE(kv, nullptr);
  const int64_t before = TotalConnections(*kv);
  constexpr int kAsyncThreads = 3;
  constexpr int kSyncThreads = 4;
  constexpr int kInFlight = 64;
  constexpr int kRounds = 4;
  std::atomic<int> wrong{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  // Asynchronous callers: each keeps kInFlight writes, then reads, of its
  // own keys in flight at once.
  for (int t = 0; t < kAsyncThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        std::atomic<int> pending{kInFlight};
        for (int i = 0; i < kInFlight; ++i) {
          const std::string key = absl::StrCat("a", t, ":", i);
          kv->SetAsync(key, absl::StrCat(key, "@", round, std::string(i, 'y')),
                       {}, [&](absl::Status s) {
                         if (!s.ok()) ++failed;
                         --pending;
                       });
        }
        if (!WaitForZero(pending, absl::Seconds(10))) {
          ADD_FAILURE() << "writes did not complete";
          return;
        }
        pending = kInFlight;
        for (int i = 0; i < kInFlight; ++i) {
          const std::string key = absl::StrCat("a", t, ":", i);
          std::string want = absl::StrCat(key, "@", round, std::string(i, 'y'));
          kv->GetAsync(key, [&, want = std::move(want)](
                                absl::StatusOr<std::string> got) {
            if (!got.ok()) {
              ++failed;
            } else if (*got != want) {
              ++wrong;
            }
            --pending;
          });
        }
        if (!WaitForZero(pending, absl::Seconds(10))) {
          ADD_FAILURE() << "reads did not complete";
          return;
        }
      }
    });
  }
  for (int t = 0; t < kSyncThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        const std::string key = absl::StrCat("s", t, ":", i % 7);
        const std::string value =
            absl::StrCat(key, "=", i, std::string(t, 'z'));
        if (!kv->Set(key, value).ok()) {
          ++failed;
          continue;
        }
        absl::StatusOr<std::string> got = kv->Get(key);
        if (!got.ok()) {
          ++failed;
        } else if (*got != value) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  // Two multiplexed connections, the Stats connection among them.
  EXPECT_LE(TotalConnections(*kv) - before, 2);
}

// A callback that makes a synchronous call on the same client (the thread
// running it may be reading that connection's replies).
TEST_F(Multiplexed, CallbackMayCallSynchronously) {
  std::unique_ptr<Client> kv = OpenOrDie(Url("mux_conns=1&timeout=2s"));
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->Set("cb", "first").ok());
  std::atomic<int> pending{16};
  std::atomic<int> wrong{0};
  for (int i = 0; i < 16; ++i) {
    kv->GetAsync("cb", [&, i](absl::StatusOr<std::string> got) {
      if (!got.ok()) ++wrong;
      const std::string key = absl::StrCat("cb", i);
      if (!kv->Set(key, key).ok()) ++wrong;
      absl::StatusOr<std::string> back = kv->Get(key);
      if (!back.ok() || *back != key) ++wrong;
      --pending;
    });
  }
  EXPECT_TRUE(WaitForZero(pending, absl::Seconds(10)));
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(Multiplexed, AsyncCountersCountEveryCallAndReadBackPlain) {
  std::unique_ptr<Client> kv = OpenOrDie(Url("mux_conns=2&timeout=5s"));
  ASSERT_NE(kv, nullptr);
  constexpr int kCalls = 200;
  std::atomic<int> pending{kCalls};
  std::atomic<int> failed{0};
  absl::Mutex mu;
  std::vector<uint64_t> seen;
  for (int i = 0; i < kCalls; ++i) {
    kv->IncrementAsync("count", 1, {.initial = 0},
                       [&](absl::StatusOr<uint64_t> n) {
                         if (!n.ok()) {
                           ++failed;
                         } else {
                           absl::MutexLock lock(&mu);
                           seen.push_back(*n);
                         }
                         --pending;
                       });
  }
  ASSERT_TRUE(WaitForZero(pending, absl::Seconds(10)));
  EXPECT_EQ(failed.load(), 0);
  // Every call counted once: the first created the counter at 0.
  std::sort(seen.begin(), seen.end());
  for (int i = 0; i < static_cast<int>(seen.size()); ++i) {
    EXPECT_EQ(seen[i], static_cast<uint64_t>(i));
  }
  // A shorter result is rewritten as plain decimal before the callback.
  ASSERT_TRUE(kv->Set("ten", "10").ok());
  pending = 1;
  kv->DecrementAsync("ten", 1, {}, [&](absl::StatusOr<uint64_t> n) {
    EXPECT_TRUE(n.ok()) << n.status();
    if (n.ok()) EXPECT_EQ(*n, 9u);
    --pending;
  });
  ASSERT_TRUE(WaitForZero(pending, absl::Seconds(5)));
  absl::StatusOr<std::string> ten = kv->Get("ten");
  ASSERT_TRUE(ten.ok()) << ten.status();
  EXPECT_EQ(*ten, "9");
}

// A restarted server closed the idle multiplexed connections: an
// idempotent request finds out by sending and is sent once more, any other
// goes on a connection checked first; none of them fails.
TEST_F(Multiplexed, ConnectionsClosedByARestartAreReplacedUnnoticed) {
  std::unique_ptr<Client> kv = OpenOrDie(Url("mux_conns=2&failure_limit=1"));
  ASSERT_NE(kv, nullptr);
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(kv->Set("r", "before").ok());
    ASSERT_TRUE(server_->Restart().ok());
    EXPECT_TRUE(absl::IsNotFound(kv->Get("r").status()));
    ASSERT_TRUE(server_->Restart().ok());
    EXPECT_TRUE(kv->Add("r", "added").ok());
    ASSERT_TRUE(server_->Restart().ok());
    EXPECT_TRUE(kv->Set("r", "set").ok());
    absl::StatusOr<std::string> got = kv->Get("r");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, "set");
  }
}

TEST_F(Multiplexed, FrozenServerIsDeadlineExceededInTimeAndNeverMisreplies) {
  std::unique_ptr<Client> kv =
      OpenOrDie(Url("mux_conns=2&timeout=300ms&failure_limit=1000000"));
  ASSERT_NE(kv, nullptr);
  constexpr int kThreads = 8;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(kv->Set(absl::StrCat("f", t), absl::StrCat("v", t)).ok());
  }
  server_->Signal(SIGSTOP);
  std::atomic<int> late{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const absl::Time start = absl::Now();
        absl::StatusOr<std::string> got = kv->Get(absl::StrCat("f", t));
        if (absl::Now() - start > kTimeout + kMargin) ++late;
        // Unavailable: the call's connection was retired when an earlier
        // request on it timed out.
        if (got.ok() || !(absl::IsDeadlineExceeded(got.status()) ||
                          absl::IsUnavailable(got.status()))) {
          ++other;
        } else {
          EXPECT_THAT(got.status().message(), HasSubstr(server_->address()));
        }
      }
    });
  }
  // Asynchronous calls queued meanwhile end the same way, each within its
  // own deadline plus the margin.
  constexpr int kAsync = 32;
  std::atomic<int> pending{kAsync};
  std::atomic<int> async_late{0};
  std::atomic<int> async_other{0};
  for (int i = 0; i < kAsync; ++i) {
    const absl::Time start = absl::Now();
    kv->GetAsync(absl::StrCat("f", i % kThreads),
                 [&, start](absl::StatusOr<std::string> got) {
                   if (absl::Now() - start > kTimeout + kMargin) ++async_late;
                   if (got.ok() || !(absl::IsDeadlineExceeded(got.status()) ||
                                     absl::IsUnavailable(got.status()))) {
                     ++async_other;
                   }
                   --pending;
                 });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(WaitForZero(pending, kTimeout + kMargin + absl::Seconds(1)));
  server_->Signal(SIGCONT);
  EXPECT_EQ(late.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(async_late.load(), 0);
  EXPECT_EQ(async_other.load(), 0);
  // The frozen requests are answered now; none of those replies may reach
  // a later request.
  threads.clear();
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<std::string> got = kv->Get(absl::StrCat("f", t));
        if (!got.ok() || *got != absl::StrCat("v", t)) ++wrong;
      }
    });
  }
  pending = kAsync;
  for (int i = 0; i < kAsync; ++i) {
    kv->GetAsync(absl::StrCat("f", i % kThreads),
                 [&, i](absl::StatusOr<std::string> got) {
                   if (!got.ok() || *got != absl::StrCat("v", i % kThreads)) {
                     ++wrong;
                   }
                   --pending;
                 });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(WaitForZero(pending, absl::Seconds(5)));
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(Multiplexed, GarbageReplyRetiresTheConnectionAndFailsCleanly) {
  absl::StatusOr<std::unique_ptr<FaultProxy>> proxy =
      FaultProxy::Start(server_->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  std::unique_ptr<Client> kv = OpenOrDie(
      absl::StrCat("memcached://", (*proxy)->address(),
                   "?mux_conns=2&timeout=300ms&failure_limit=1000000"));
  ASSERT_NE(kv, nullptr);
  constexpr int kThreads = 6;
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::atomic<int> bad_code{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = absl::StrCat("g", t);
      std::string acked;
      std::vector<std::string> uncertain;
      for (int n = 0; !stop.load(); ++n) {
        const std::string value = absl::StrCat(key, "#", n);
        const absl::Status set = kv->Set(key, value);
        if (set.ok()) {
          acked = value;
          uncertain.clear();
        } else {
          uncertain.push_back(value);
          if (!absl::IsUnavailable(set) && !absl::IsInternal(set) &&
              !absl::IsDeadlineExceeded(set)) {
            ++bad_code;
          }
        }
        absl::StatusOr<std::string> got = kv->Get(key);
        if (got.ok()) {
          bool allowed = *got == acked;
          for (const std::string& u : uncertain) allowed |= *got == u;
          if (!allowed) ++wrong;
        } else if (!absl::IsUnavailable(got.status()) &&
                   !absl::IsInternal(got.status()) &&
                   !absl::IsDeadlineExceeded(got.status()) &&
                   !absl::IsNotFound(got.status())) {
          ++bad_code;
        }
      }
    });
  }
  const int64_t closed = (*proxy)->counters().closed_by_client;
  for (size_t after : {0, 3, 7, 12}) {
    for (absl::string_view garbage :
         {"XX\r\n", "EN\r\n", "VA 2 O1\r\nzz\r\n", "HD O999999\r\n"}) {
      (*proxy)->InjectGarbage(std::string(garbage), after);
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  (*proxy)->Pass();
  stop = true;
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(bad_code.load(), 0);
  // Each garbage reply retired a connection.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while ((*proxy)->counters().closed_by_client <= closed &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_GT((*proxy)->counters().closed_by_client, closed);
  // And the client recovers at once.
  for (int t = 0; t < kThreads; ++t) {
    const std::string key = absl::StrCat("g", t);
    ASSERT_TRUE(kv->Set(key, "after").ok());
    absl::StatusOr<std::string> got = kv->Get(key);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, "after");
  }
}

}  // namespace
}  // namespace kivi::testing
