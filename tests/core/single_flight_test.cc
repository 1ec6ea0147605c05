#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
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
