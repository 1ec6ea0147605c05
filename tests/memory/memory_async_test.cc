// memory://'s asynchronous calls: completed on the calling thread, with a
// bounded nesting depth when callbacks start further calls.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "kivi/client.h"
#include "kivi/memory/memory_backend.h"

namespace kivi {
namespace {

std::unique_ptr<Client> NewClient() {
  absl::StatusOr<std::unique_ptr<Backend>> backend = NewMemoryBackend({});
  EXPECT_TRUE(backend.ok()) << backend.status();
  return std::make_unique<Client>(*std::move(backend), ClientOptions{});
}

TEST(MemoryAsync, CompletesOnTheCallingThreadBeforeReturning) {
  std::unique_ptr<Client> client = NewClient();
  ASSERT_TRUE(client->Set("k", "v").ok());
  std::thread::id ran_on;
  std::string value;
  client->GetAsync("k", [&](absl::StatusOr<std::string> got) {
    ran_on = std::this_thread::get_id();
    value = got.value_or("?");
  });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(value, "v");
}

// Each callback starts the next call: 100000 calls deep would overflow the
// stack if every one nested; past a few levels they hop to the executor.
struct Chain {
  Client* client;
  int left;
  absl::Notification done;

  void Next() {
    if (left-- == 0) {
      done.Notify();
      return;
    }
    client->IncrementAsync("n", 1, {},
                           [this](absl::StatusOr<uint64_t>) { Next(); });
  }
};

TEST(MemoryAsync, ALongChainOfCallbacksDoesNotGrowTheStack) {
  std::unique_ptr<Client> client = NewClient();
  Chain chain{client.get(), 100000};
  chain.Next();
  ASSERT_TRUE(chain.done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  absl::StatusOr<std::string> n = client->Get("n");
  ASSERT_TRUE(n.ok()) << n.status();
  // The first Increment creates the counter at 0 (initial), then 99999 add.
  EXPECT_EQ(*n, "99999");
}

}  // namespace
}  // namespace kivi
