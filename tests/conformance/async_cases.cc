// The asynchronous API (Client::*Async): the same results as the
// synchronous calls, many calls in flight at once each getting its own
// result, validation before any I/O, and callbacks that may call the client
// again. Run on every backend, so each native Submit is held to the
// executor default's behaviour.

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/conformance/case_helpers.h"
#include "tests/conformance/conformance.h"

namespace kivi::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Bounds every wait for a callback, so that a lost callback fails the case
// instead of hanging the suite.
constexpr auto kCallbackWait = std::chrono::seconds(20);

// Starts an asynchronous call with `start` (given the callback) and returns
// what its callback received.
template <typename T, typename Start>
T Await(Start start) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  start([promise](T result) { promise->set_value(std::move(result)); });
  if (future.wait_for(kCallbackWait) != std::future_status::ready) {
    ADD_FAILURE() << "callback not called within 20 s";
    return T(absl::DeadlineExceededError("callback never called"));
  }
  return future.get();
}

absl::StatusOr<std::string> GetAsync(Client& kv, absl::string_view key) {
  return Await<absl::StatusOr<std::string>>(
      [&](auto done) { kv.GetAsync(key, std::move(done)); });
}

absl::Status SetAsync(Client& kv, absl::string_view key,
                      absl::string_view value) {
  return Await<absl::Status>(
      [&](auto done) { kv.SetAsync(key, value, {}, std::move(done)); });
}

TEST_P(ConformanceTest, AsyncSetGetDelete) {
  EXPECT_THAT(GetAsync(kv(), "a"), HasCode(absl::StatusCode::kNotFound));
  ASSERT_THAT(SetAsync(kv(), "a", "one"), IsOk());
  EXPECT_THAT(kv().Get("a"), IsOkAndHolds("one"));
  EXPECT_THAT(GetAsync(kv(), "a"), IsOkAndHolds("one"));
  ASSERT_THAT(Await<absl::Status>(
                  [&](auto done) { kv().DeleteAsync("a", std::move(done)); }),
              IsOk());
  EXPECT_THAT(kv().Get("a"), HasCode(absl::StatusCode::kNotFound));
}

TEST_P(ConformanceTest, AsyncCallsInFlightEachGetTheirOwnResult) {
  constexpr int kCalls = 200;
  std::atomic<int> calls{0};
  std::atomic<int> wrong{0};
  absl::Notification all_set;
  for (int i = 0; i < kCalls; ++i) {
    kv().SetAsync(absl::StrCat("k", i), absl::StrCat("value-", i), {},
                  [&](absl::Status status) {
                    if (!status.ok()) wrong.fetch_add(1);
                    if (calls.fetch_add(1) + 1 == kCalls) all_set.Notify();
                  });
  }
  ASSERT_TRUE(all_set.WaitForNotificationWithTimeout(absl::Seconds(20)));
  ASSERT_EQ(wrong.load(), 0);

  calls = 0;
  absl::Notification all_got;
  for (int i = 0; i < kCalls; ++i) {
    kv().GetAsync(absl::StrCat("k", i),
                  [&, i](absl::StatusOr<std::string> value) {
                    if (!value.ok() || *value != absl::StrCat("value-", i)) {
                      wrong.fetch_add(1);
                    }
                    if (calls.fetch_add(1) + 1 == kCalls) all_got.Notify();
                  });
  }
  ASSERT_TRUE(all_got.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(wrong.load(), 0);
  // Exactly once each: no late second call.
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(calls.load(), kCalls);
}

TEST_P(ConformanceTest, AsyncInvalidInputFailsBeforeReturning) {
  ASSERT_THAT(kv().Set("k", "kept"), IsOk());
  bool called = false;
  kv().SetAsync("bad key", "v", {}, [&](absl::Status status) {
    EXPECT_THAT(status, HasCodeAndMessage(absl::StatusCode::kInvalidArgument,
                                          "bad key"));
    called = true;
  });
  EXPECT_TRUE(called);  // Before SetAsync returned: no I/O happened.
  called = false;
  kv().SetAsync("k", "v", {.ttl = absl::Seconds(-1)}, [&](absl::Status s) {
    EXPECT_THAT(s, HasCode(absl::StatusCode::kInvalidArgument));
    called = true;
  });
  EXPECT_TRUE(called);
  called = false;
  const std::vector<std::string> keys = {"ok", "bad key"};
  kv().BatchGetAsync(keys, [&](absl::StatusOr<BatchGetResult> result) {
    EXPECT_THAT(result, HasCodeAndMessage(absl::StatusCode::kInvalidArgument,
                                          "keys[1]"));
    called = true;
  });
  EXPECT_TRUE(called);
  EXPECT_THAT(kv().Get("k"), IsOkAndHolds("kept"));
}

TEST_P(ConformanceTest, AsyncBatchesAndList) {
  const std::vector<KeyValue> entries = {{"b1", "x"}, {"b2", "y"}};
  absl::StatusOr<BatchWriteResult> set =
      Await<absl::StatusOr<BatchWriteResult>>(
          [&](auto done) { kv().BatchSetAsync(entries, {}, std::move(done)); });
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE(set->ok());
  const std::vector<std::string> keys = {"b1", "b2", "b3", "b1"};
  absl::StatusOr<BatchGetResult> got = Await<absl::StatusOr<BatchGetResult>>(
      [&](auto done) { kv().BatchGetAsync(keys, std::move(done)); });
  ASSERT_THAT(got, IsOk());
  EXPECT_THAT(got->found,
              UnorderedElementsAre(Pair("b1", "x"), Pair("b2", "y")));
  EXPECT_TRUE(got->failed.empty());
  absl::StatusOr<std::vector<std::string>> listed =
      Await<absl::StatusOr<std::vector<std::string>>>(
          [&](auto done) { kv().ListAsync("b", std::move(done)); });
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(*listed, ElementsAre("b1", "b2"));
  const std::vector<std::string> doomed = {"b1", "b3"};
  absl::StatusOr<BatchWriteResult> deleted =
      Await<absl::StatusOr<BatchWriteResult>>(
          [&](auto done) { kv().BatchDeleteAsync(doomed, std::move(done)); });
  ASSERT_THAT(deleted, IsOk());
  EXPECT_TRUE(deleted->ok());
  EXPECT_THAT(kv().Get("b1"), HasCode(absl::StatusCode::kNotFound));
  EXPECT_THAT(kv().Get("b2"), IsOkAndHolds("y"));
}

TEST_P(ConformanceTest, AsyncConditionalAndAtomicOperations) {
  using Number = absl::StatusOr<uint64_t>;
  Number counted = Await<Number>([&](auto done) {
    kv().IncrementAsync("n", 5, {.initial = 10}, std::move(done));
  });
  if (!capabilities().increment) {
    EXPECT_THAT(counted, HasCode(absl::StatusCode::kUnimplemented));
  } else {
    EXPECT_THAT(counted, IsOkAndHolds(10u));
    EXPECT_THAT(Await<Number>([&](auto done) {
                  kv().IncrementAsync("n", 5, {}, std::move(done));
                }),
                IsOkAndHolds(15u));
    EXPECT_THAT(Await<Number>([&](auto done) {
                  kv().DecrementAsync("n", 20, {}, std::move(done));
                }),
                IsOkAndHolds(0u));
  }

  absl::Status added = Await<absl::Status>(
      [&](auto done) { kv().AddAsync("c", "first", {}, std::move(done)); });
  if (capabilities().add) {
    EXPECT_THAT(added, IsOk());
    EXPECT_THAT(Await<absl::Status>([&](auto done) {
                  kv().AddAsync("c", "again", {}, std::move(done));
                }),
                HasCode(absl::StatusCode::kAlreadyExists));
  } else {
    EXPECT_THAT(added, HasCode(absl::StatusCode::kUnimplemented));
    ASSERT_THAT(kv().Set("c", "first"), IsOk());
  }
  if (capabilities().replace) {
    EXPECT_THAT(Await<absl::Status>([&](auto done) {
                  kv().ReplaceAsync("absent", "v", {}, std::move(done));
                }),
                HasCode(absl::StatusCode::kNotFound));
  }

  using Versioned = absl::StatusOr<VersionedValue>;
  Versioned versioned = Await<Versioned>(
      [&](auto done) { kv().GetVersionedAsync("c", std::move(done)); });
  if (!capabilities().compare_and_set) {
    EXPECT_THAT(versioned, HasCode(absl::StatusCode::kUnimplemented));
  } else {
    ASSERT_THAT(versioned, IsOk());
    EXPECT_EQ(versioned->value, "first");
    ASSERT_THAT(Await<absl::Status>([&](auto done) {
                  kv().CompareAndSetAsync("c", "second", versioned->version, {},
                                          std::move(done));
                }),
                IsOk());
    EXPECT_THAT(Await<absl::Status>([&](auto done) {
                  kv().CompareAndSetAsync("c", "third", versioned->version, {},
                                          std::move(done));
                }),
                HasCode(absl::StatusCode::kAborted));
    EXPECT_THAT(kv().Get("c"), IsOkAndHolds("second"));
  }

  if (capabilities().touch) {
    EXPECT_THAT(Await<absl::Status>([&](auto done) {
                  kv().TouchAsync("c", absl::Seconds(60), std::move(done));
                }),
                IsOk());
    EXPECT_THAT(Await<absl::StatusOr<std::string>>([&](auto done) {
                  kv().GetAndTouchAsync("absent", absl::Seconds(60),
                                        std::move(done));
                }),
                HasCode(absl::StatusCode::kNotFound));
  }
  if (capabilities().append_prepend) {
    ASSERT_THAT(kv().Set("s", "mid"), IsOk());
    ASSERT_THAT(Await<absl::Status>([&](auto done) {
                  kv().AppendAsync("s", ">", std::move(done));
                }),
                IsOk());
    ASSERT_THAT(Await<absl::Status>([&](auto done) {
                  kv().PrependAsync("s", "<", std::move(done));
                }),
                IsOk());
    EXPECT_THAT(kv().Get("s"), IsOkAndHolds("<mid>"));
  }
}

// A callback runs on a thread that may be reading other calls' replies; it
// must still be free to call the client, synchronously or not.
TEST_P(ConformanceTest, AsyncCallbackMayCallTheClient) {
  ASSERT_THAT(kv().Set("outer", "1"), IsOk());
  ASSERT_THAT(kv().Set("inner", "2"), IsOk());
  auto promise = std::make_shared<std::promise<std::string>>();
  std::future<std::string> future = promise->get_future();
  kv().GetAsync("outer", [this, promise](absl::StatusOr<std::string> outer) {
    absl::StatusOr<std::string> inner = kv().Get("inner");
    kv().GetAsync(
        "inner", [promise, outer = std::move(outer),
                  inner = std::move(inner)](absl::StatusOr<std::string> again) {
          promise->set_value(absl::StrCat(
              outer.value_or("?"), inner.value_or("?"), again.value_or("?")));
        });
  });
  ASSERT_EQ(future.wait_for(kCallbackWait), std::future_status::ready);
  EXPECT_EQ(future.get(), "122");
}

TEST_P(ConformanceTest, AsyncCallsFromManyThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> wrong{0};
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = absl::StrCat("t", t, "-", i);
        const std::string value = absl::StrCat("v", t, "-", i);
        // A synchronous write, then an async read of it, interleaved with
        // the other threads' calls on the same connections.
        if (!kv().Set(key, value).ok()) wrong.fetch_add(1);
        kv().GetAsync(key, [&, value](absl::StatusOr<std::string> got) {
          if (!got.ok() || *got != value) wrong.fetch_add(1);
          calls.fetch_add(1);
        });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (calls.load() < kThreads * kPerThread && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(calls.load(), kThreads * kPerThread);
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace kivi::testing
