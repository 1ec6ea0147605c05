// Many threads on one client, and GetOrSet's single-flight.

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::SizeIs;

constexpr int kThreads = 4;
constexpr int kOpsPerThread = 200;
constexpr int kKeysPerThread = 20;
// How long a loader takes: long enough that every concurrent caller has
// joined the flight before it returns.
constexpr absl::Duration kLoaderTime = absl::Milliseconds(200);

// Collects failures seen on worker threads, reported on the test thread.
class Failures {
 public:
  void Add(std::string failure) {
    absl::MutexLock lock(&mu_);
    if (failures_.size() < 10) failures_.push_back(std::move(failure));
  }
  std::vector<std::string> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(failures_);
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
};

TEST_P(ConformanceTest, ThreadsWritingAndReadingSeeWholeValues) {
  Failures failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string mine = absl::StrCat("shared-by-", t);
      for (int i = 0; i < kOpsPerThread; ++i) {
        const std::string key = absl::StrCat("t", t, ":", i % kKeysPerThread);
        const std::string value = absl::StrCat(t, "/", i);
        if (absl::Status s = kv().Set(key, value); !s.ok()) {
          failures.Add(absl::StrCat("Set ", key, ": ", s.ToString()));
        }
        absl::StatusOr<std::string> own = kv().Get(key);
        if (!own.ok() || *own != value) {
          failures.Add(absl::StrCat("Get ", key, " after writing ", value, ": ",
                                    own.ok() ? *own : own.status().ToString()));
        }
        if (absl::Status s = kv().Set("shared", mine); !s.ok()) {
          failures.Add(absl::StrCat("Set shared: ", s.ToString()));
        }
        absl::StatusOr<std::string> shared = kv().Get("shared");
        bool whole = false;
        for (int w = 0; shared.ok() && w < kThreads; ++w) {
          whole |= *shared == absl::StrCat("shared-by-", w);
        }
        if (!whole) {
          failures.Add(
              absl::StrCat("Get shared: ",
                           shared.ok() ? *shared : shared.status().ToString()));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures.Take(), ::testing::IsEmpty());
  // Each key holds the last value its only writer wrote.
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kKeysPerThread; ++k) {
      EXPECT_THAT(kv().Get(absl::StrCat("t", t, ":", k)),
                  IsOkAndHolds(absl::StrCat(
                      t, "/", kOpsPerThread - kKeysPerThread + k)));
    }
  }
  EXPECT_THAT(kv().List(), IsOkAndHolds(SizeIs(kThreads * kKeysPerThread + 1)));
}

TEST_P(ConformanceTest, GetOrSetReturnsAStoredValueWithoutLoading) {
  ASSERT_THAT(kv().Set("k", "stored"), IsOk());
  int calls = 0;
  auto loader = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    return "loaded";
  };
  EXPECT_THAT(kv().GetOrSet("k", absl::Hours(1), loader),
              IsOkAndHolds("stored"));
  EXPECT_EQ(calls, 0);
  // Nor a value whose remaining life is short next to the TTL asked for
  // (memcached's early recache would run the loader and replace it).
  ASSERT_THAT(kv().Set("soon", "stored", {.ttl = absl::Hours(1)}), IsOk());
  EXPECT_THAT(kv().GetOrSet("soon", absl::Hours(24 * 30), loader),
              IsOkAndHolds("stored"));
  EXPECT_EQ(calls, 0);
  EXPECT_THAT(kv().Get("soon"), IsOkAndHolds("stored"));
}

TEST_P(ConformanceTest, GetOrSetLoadsOnceForConcurrentMissesAndStores) {
  std::atomic<int> calls{0};
  auto loader = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    absl::SleepFor(kLoaderTime);
    return "loaded";
  };
  std::latch start(kThreads);
  std::vector<absl::StatusOr<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = kv().GetOrSet("k", absl::Hours(1), loader);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto& result : results) {
    EXPECT_THAT(result, IsOkAndHolds("loaded"));
  }
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("loaded"));
}

TEST_P(ConformanceTest, GetOrSetLoaderErrorReachesEveryCallerUncached) {
  std::atomic<int> calls{0};
  auto failing = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    absl::SleepFor(kLoaderTime);
    return absl::UnavailableError("origin is down");
  };
  std::latch start(kThreads);
  std::vector<absl::StatusOr<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = kv().GetOrSet("k", absl::Hours(1), failing);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto& result : results) {
    EXPECT_THAT(result, HasCodeAndMessage(absl::StatusCode::kUnavailable,
                                          "origin is down"));
  }
  // Not cached: nothing stored, and the next call loads again.
  EXPECT_THAT(kv().Get("k"), HasCode(absl::StatusCode::kNotFound));
  auto working = [&]() -> absl::StatusOr<std::string> {
    ++calls;
    return "recovered";
  };
  EXPECT_THAT(kv().GetOrSet("k", absl::Hours(1), working),
              IsOkAndHolds("recovered"));
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace kivi::testing
