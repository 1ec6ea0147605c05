// The read-modify-write operations stay atomic when many threads of one
// process race on the same keys.

#include <algorithm>
#include <atomic>
#include <barrier>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"
#include "tests/conformance/case_helpers.h"
#include "tests/rocksdb/temp_dir.h"

namespace kivi::testing {
namespace {

constexpr int kThreads = 8;

std::unique_ptr<Client> OpenIn(const TempDir& dir) {
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("rocksdb://", dir.Sub("db")));
  EXPECT_THAT(kv, IsOk());
  return kv.ok() ? *std::move(kv) : nullptr;
}

// Runs body(thread index) on kThreads threads started together.
template <typename Body>
void RunThreads(Body body) {
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      body(t);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

TEST(RocksDbConcurrency, IncrementsFromManyThreadsAddUpExactly) {
  TempDir dir;
  std::unique_ptr<Client> kv = OpenIn(dir);
  ASSERT_NE(kv, nullptr);
  constexpr int kIncrements = 500;
  std::atomic<int> failures{0};
  RunThreads([&](int t) {
    for (int i = 0; i < kIncrements; ++i) {
      // Every thread creates-or-increments the shared counter, and its own.
      if (!kv->Increment("shared", 1, {.initial = 1}).ok()) ++failures;
      if (!kv->Increment(absl::StrCat("own:", t), 2, {.initial = 2}).ok()) {
        ++failures;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(kv->Get("shared"),
              IsOkAndHolds(absl::StrCat(kThreads * kIncrements)));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(kv->Get(absl::StrCat("own:", t)),
                IsOkAndHolds(absl::StrCat(2 * kIncrements)));
  }
}

TEST(RocksDbConcurrency, CompareAndSetLetsExactlyOneWriterWinEachVersion) {
  TempDir dir;
  std::unique_ptr<Client> kv = OpenIn(dir);
  ASSERT_NE(kv, nullptr);
  ASSERT_THAT(kv->Set("counter", "0"), IsOk());
  constexpr int kWinsPerThread = 100;
  std::atomic<int> failures{0};
  // A counter kept by read + CompareAndSet: a lost update would leave the
  // total short.
  RunThreads([&](int) {
    int wins = 0;
    while (wins < kWinsPerThread) {
      absl::StatusOr<VersionedValue> read = kv->GetVersioned("counter");
      if (!read.ok()) {
        ++failures;
        return;
      }
      const std::string next = absl::StrCat(std::stoll(read->value) + 1);
      absl::Status s = kv->CompareAndSet("counter", next, read->version);
      if (s.ok()) {
        ++wins;
      } else if (!absl::IsAborted(s)) {
        ++failures;
        return;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(kv->Get("counter"),
              IsOkAndHolds(absl::StrCat(kThreads * kWinsPerThread)));
}

TEST(RocksDbConcurrency, OfWritersHoldingOneVersionExactlyOneWins) {
  TempDir dir;
  std::unique_ptr<Client> kv = OpenIn(dir);
  ASSERT_NE(kv, nullptr);
  ASSERT_THAT(kv->Set("k", "start"), IsOk());
  constexpr int kRounds = 50;
  std::vector<std::atomic<int>> wins(kRounds);
  std::atomic<int> failures{0};
  // Each round every thread reads the same version, waits for the others,
  // then writes over it: a real race for every round.
  std::barrier round(kThreads);
  RunThreads([&](int t) {
    for (int r = 0; r < kRounds; ++r) {
      absl::StatusOr<VersionedValue> read = kv->GetVersioned("k");
      round.arrive_and_wait();
      absl::Status s =
          read.ok()
              ? kv->CompareAndSet("k", absl::StrCat(r, "/", t), read->version)
              : read.status();
      if (s.ok()) {
        ++wins[r];
      } else if (!absl::IsAborted(s)) {
        ++failures;
      }
      round.arrive_and_wait();
    }
  });
  EXPECT_EQ(failures.load(), 0);
  for (int r = 0; r < kRounds; ++r) EXPECT_EQ(wins[r].load(), 1) << r;
}

TEST(RocksDbConcurrency, AddLetsExactlyOneCallerCreateAKey) {
  TempDir dir;
  std::unique_ptr<Client> kv = OpenIn(dir);
  ASSERT_NE(kv, nullptr);
  constexpr int kKeys = 200;
  std::atomic<int> created{0};
  std::atomic<int> failures{0};
  RunThreads([&](int t) {
    for (int k = 0; k < kKeys; ++k) {
      absl::Status s = kv->Add(absl::StrCat("k", k), absl::StrCat(t));
      if (s.ok()) {
        ++created;
      } else if (!absl::IsAlreadyExists(s)) {
        ++failures;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(created.load(), kKeys);
}

TEST(RocksDbConcurrency, AppendsFromManyThreadsAreAllKept) {
  TempDir dir;
  std::unique_ptr<Client> kv = OpenIn(dir);
  ASSERT_NE(kv, nullptr);
  ASSERT_THAT(kv->Set("log", ""), IsOk());
  constexpr int kAppends = 200;
  std::atomic<int> failures{0};
  RunThreads([&](int t) {
    for (int i = 0; i < kAppends; ++i) {
      if (!kv->Append("log", std::string(1, static_cast<char>('a' + t))).ok()) {
        ++failures;
      }
    }
  });
  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<std::string> log = kv->Get("log");
  ASSERT_THAT(log, IsOk());
  ASSERT_EQ(log->size(), static_cast<size_t>(kThreads * kAppends));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(std::count(log->begin(), log->end(), 'a' + t), kAppends);
  }
}

}  // namespace
}  // namespace kivi::testing
