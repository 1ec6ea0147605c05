#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kivi/memory/memory_backend.h"
#include "memory_test_util.h"

// Smoke tests: many threads on one store, checked for lost updates and torn
// values. Run under ThreadSanitizer to check the locking itself.

namespace kivi::memory_test {
namespace {

constexpr int kThreads = 8;
constexpr int kOpsPerThread = 2000;

TEST(MemoryConcurrency, IncrementsFromManyThreadsAreNotLost) {
  auto store = NewStore({.shards = 4});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        ASSERT_TRUE(
            store->Increment("counter", 1, 0, true, absl::ZeroDuration()).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // The first Increment creates the counter at 0 without adding.
  EXPECT_EQ(*store->Get("counter"), absl::StrCat(kThreads * kOpsPerThread - 1));
}

TEST(MemoryConcurrency, ReadersSeeOnlyWholeValues) {
  auto store = NewStore({.max_bytes = 64 << 20, .shards = 4});
  const std::string a(1000, 'a');
  const std::string b(2000, 'b');
  std::atomic<int> torn{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        const std::string own = absl::StrCat("t", t, ":", i % 50);
        ASSERT_TRUE(store->Set(own, own, absl::ZeroDuration()).ok());
        ASSERT_TRUE(
            store->Set("shared", i % 2 ? a : b, absl::ZeroDuration()).ok());
        if (*store->Get(own) != own) ++torn;
        absl::StatusOr<std::string> shared = store->Get("shared");
        if (!shared.ok() || (*shared != a && *shared != b)) ++torn;
        if (i % 100 == 0) {
          ASSERT_TRUE(store->List("t").ok());
        }
        if (i % 500 == 0) {
          ASSERT_TRUE(store->Stats().ok());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(store->List("t")->size(), static_cast<size_t>(kThreads * 50));
}

TEST(MemoryConcurrency, CompareAndSetLetsExactlyOneWriterWinEachRound) {
  auto store = NewStore();
  ASSERT_TRUE(store->Set("k", "0", absl::ZeroDuration()).ok());
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kOpsPerThread / 10; ++i) {
        absl::StatusOr<VersionedValue> read = store->GetVersioned("k");
        ASSERT_TRUE(read.ok());
        const std::string next = absl::StrCat(std::stoll(read->value) + 1);
        if (store->CompareAndSet("k", next, read->version, absl::ZeroDuration())
                .ok()) {
          ++wins;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(*store->Get("k"), absl::StrCat(wins.load()));
}

TEST(MemoryConcurrency, SweeperRunsAlongsideWritersAndFlushes) {
  auto store = NewStore({.shards = 2, .sweep_interval = absl::Milliseconds(1)});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        const std::string key = absl::StrCat(t, ":", i);
        ASSERT_TRUE(store->Set(key, "v", absl::Microseconds(100)).ok());
        store->Get(key).IgnoreError();
        if (t == 0 && i % 200 == 0) {
          ASSERT_TRUE(store->Flush(absl::Milliseconds(i % 3)).ok());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace
}  // namespace kivi::memory_test
