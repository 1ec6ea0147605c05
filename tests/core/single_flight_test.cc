#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/client.h"
#include "recording_backend.h"

namespace kivi {
namespace {

using testing::RecordingBackend;

// Runs `n` concurrent GetOrSet calls of one key whose loader blocks until
// every caller has started, so all of them overlap the first load.
template <typename LoaderResult>
std::vector<absl::StatusOr<std::string>> ConcurrentGetOrSet(
    Client& client, int n, std::atomic<int>& loads, LoaderResult result) {
  std::atomic<int> started{0};
  absl::Notification all_started;
  std::vector<absl::StatusOr<std::string>> results(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      if (++started == n) all_started.Notify();
      results[i] = client.GetOrSet("k", absl::ZeroDuration(), [&] {
        ++loads;
        // Give the others time to queue behind this flight.
        all_started.WaitForNotificationWithTimeout(absl::Seconds(5));
        absl::SleepFor(absl::Milliseconds(50));
        return result();
      });
    });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

TEST(ClientGetOrSet, ConcurrentMissesRunTheLoaderOnce) {
  Client client(std::make_unique<RecordingBackend>(), {});
  std::atomic<int> loads{0};
  auto results = ConcurrentGetOrSet(
      client, 8, loads, [] { return absl::StatusOr<std::string>("loaded"); });
  EXPECT_EQ(loads.load(), 1);
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, "loaded");
  }
  EXPECT_EQ(*client.Get("k"), "loaded");
}

TEST(ClientGetOrSet, LoaderErrorReachesEveryWaiterAndIsNotCached) {
  Client client(std::make_unique<RecordingBackend>(), {});
  std::atomic<int> loads{0};
  auto results = ConcurrentGetOrSet(client, 8, loads, [] {
    return absl::StatusOr<std::string>(absl::InternalError("db down"));
  });
  EXPECT_EQ(loads.load(), 1);
  for (const auto& r : results) {
    EXPECT_EQ(r.status(), absl::InternalError("db down"));
  }
  EXPECT_TRUE(absl::IsNotFound(client.Get("k").status()));
  // The next call tries again.
  absl::StatusOr<std::string> again =
      client.GetOrSet("k", absl::ZeroDuration(),
                      [] { return absl::StatusOr<std::string>("second"); });
  EXPECT_EQ(*again, "second");
}

// Runs GetOrSet("k") in a thread and waits up to 5 s for it. A call stuck
// behind a flight that never lands is a failure, not a hung test: the
// thread and the client it uses are then left behind on purpose.
absl::StatusOr<std::string> BoundedGetOrSet(
    Client* client, std::function<absl::StatusOr<std::string>()> loader,
    bool* finished) {
  auto result = std::make_shared<absl::StatusOr<std::string>>();
  auto done = std::make_shared<absl::Notification>();
  std::thread([=] {
    *result = client->GetOrSet("k", absl::ZeroDuration(), loader);
    done->Notify();
  }).detach();
  *finished = done->WaitForNotificationWithTimeout(absl::Seconds(5));
  return *finished ? *result : absl::DeadlineExceededError("stuck");
}

TEST(ClientGetOrSet, ThrowingLoaderEndsTheFlightAndReachesOnlyItsCaller) {
  // Leaked if a call gets stuck (see BoundedGetOrSet).
  auto* client = new Client(std::make_unique<RecordingBackend>(), {});
  absl::Notification loading;
  std::atomic<int> late_loads{0};
  std::vector<absl::StatusOr<std::string>> waited(4);
  std::vector<std::thread> waiters;
  bool threw = false;
  std::thread leader([&] {
    try {
      (void)client->GetOrSet("k", absl::ZeroDuration(),
                             []() -> absl::StatusOr<std::string> {
                               throw std::runtime_error("loader bug");
                             });
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()) == "loader bug";
    }
  });
  leader.join();
  EXPECT_TRUE(threw) << "the exception reaches the caller whose loader threw";
  EXPECT_TRUE(absl::IsNotFound(client->Get("k").status()));

  // Nothing was left behind: the next caller loads afresh.
  bool finished = false;
  absl::StatusOr<std::string> next = BoundedGetOrSet(
      client, [] { return absl::StatusOr<std::string>("fresh"); }, &finished);
  ASSERT_TRUE(finished) << "a thrown loader left its flight behind";
  EXPECT_EQ(*next, "fresh");
  ASSERT_TRUE(client->Delete("k").ok());

  // Waiters queued behind a flight whose loader throws get Aborted.
  std::thread slow_leader([&] {
    try {
      (void)client->GetOrSet("k", absl::ZeroDuration(),
                             [&]() -> absl::StatusOr<std::string> {
                               loading.Notify();
                               absl::SleepFor(absl::Milliseconds(200));
                               throw std::runtime_error("loader bug");
                             });
    } catch (const std::runtime_error&) {
    }
  });
  loading.WaitForNotification();
  for (size_t i = 0; i < waited.size(); ++i) {
    waiters.emplace_back([&, i] {
      waited[i] = client->GetOrSet("k", absl::ZeroDuration(), [&] {
        ++late_loads;
        return absl::StatusOr<std::string>("late");
      });
    });
  }
  slow_leader.join();
  for (std::thread& t : waiters) t.join();
  for (const auto& r : waited) {
    // A waiter that arrived after the flight landed loads on its own.
    if (r.ok()) {
      EXPECT_EQ(*r, "late");
      continue;
    }
    EXPECT_TRUE(absl::IsAborted(r.status())) << r.status();
    EXPECT_THAT(std::string(r.status().message()),
                ::testing::HasSubstr("\"k\""));
  }
  EXPECT_LT(late_loads.load(), 2);

  delete client;
}

TEST(ClientGetOrSet, HitDoesNotCallTheLoader) {
  Client client(std::make_unique<RecordingBackend>(), {});
  ASSERT_TRUE(client.Set("k", "cached").ok());
  bool called = false;
  absl::StatusOr<std::string> v =
      client.GetOrSet("k", absl::ZeroDuration(), [&] {
        called = true;
        return absl::StatusOr<std::string>("loaded");
      });
  EXPECT_EQ(*v, "cached");
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace kivi
