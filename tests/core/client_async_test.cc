// Core's part of the asynchronous API: the executor default's bound,
// validation before the backend is reached, namespaces, and the observer.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/client.h"
#include "kivi/executor.h"
#include "recording_backend.h"

namespace kivi::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A backend whose Get waits until released, to hold executor threads.
class GatedBackend : public RecordingBackend {
 public:
  absl::StatusOr<std::string> Get(absl::string_view key) override {
    entered_.fetch_add(1);
    gate_.WaitForNotification();
    return RecordingBackend::Get(key);
  }
  void Open() { gate_.Notify(); }
  int entered() const { return entered_.load(); }

 private:
  absl::Notification gate_;
  std::atomic<int> entered_{0};
};

TEST(ClientAsync, ExecutorQueueFullIsResourceExhaustedNamingTheLimit) {
  auto owned = std::make_unique<GatedBackend>();
  GatedBackend* backend = owned.get();
  Client client(std::move(owned),
                ClientOptions{.executor = {.threads = 1, .max_queued = 2}});
  std::atomic<int> done{0};
  auto count = [&](absl::StatusOr<std::string>) { done.fetch_add(1); };
  client.GetAsync("a", count);  // Runs, held at the gate.
  while (backend->entered() == 0) absl::SleepFor(absl::Milliseconds(1));
  client.GetAsync("b", count);  // Queued.
  client.GetAsync("c", count);  // Queued.
  absl::Status refused;
  client.GetAsync("d",
                  [&](absl::StatusOr<std::string> r) { refused = r.status(); });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::HasSubstr("max_queued"));
  backend->Open();
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (done.load() < 3 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(done.load(), 3);
}

TEST(ClientAsync, InvalidInputNeverReachesTheBackend) {
  auto owned = std::make_unique<RecordingBackend>();
  RecordingBackend* backend = owned.get();
  Client client(std::move(owned), ClientOptions{});
  int called = 0;
  client.SetAsync("bad key", "v", {}, [&](absl::Status s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    ++called;
  });
  client.DecrementAsync("k", -1, {}, [&](absl::StatusOr<uint64_t> r) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    ++called;
  });
  client.FlushAsync(absl::Hours(24 * 400), [&](absl::Status s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    ++called;
  });
  EXPECT_EQ(called, 3);
  EXPECT_THAT(backend->calls(), IsEmpty());
}

TEST(ClientAsync, NamespaceIsAppliedAndStripped) {
  auto owned = std::make_unique<RecordingBackend>();
  RecordingBackend* backend = owned.get();
  Client client(std::move(owned), ClientOptions{.key_namespace = "ns:"});
  absl::Notification set;
  client.SetAsync("k", "v", {}, [&](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    set.Notify();
  });
  set.WaitForNotification();
  EXPECT_THAT(backend->calls(), ElementsAre("Set ns:k"));
  absl::Notification got;
  const std::vector<std::string> keys = {"k", "absent"};
  client.BatchGetAsync(keys, [&](absl::StatusOr<BatchGetResult> r) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->found.size(), 1u);
    EXPECT_EQ(r->found.count("k"), 1u);
    got.Notify();
  });
  got.WaitForNotification();
  absl::Notification listed;
  client.ListAsync("", [&](absl::StatusOr<std::vector<std::string>> r) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_THAT(*r, ElementsAre("k"));
    listed.Notify();
  });
  listed.WaitForNotification();
}

class CountingObserver : public ClientObserver {
 public:
  void OnOperation(const OperationEvent& event) override {
    operations.fetch_add(1);
    if (event.hits == 1) hits.fetch_add(1);
  }
  void OnWrite(const WriteEvent& event) override {
    if (event.keys.size() == 1 && event.keys[0] == "k") writes.fetch_add(1);
  }
  std::atomic<int> operations{0};
  std::atomic<int> hits{0};
  std::atomic<int> writes{0};
};

TEST(ClientAsync, ObserverSeesEachCallOnceWithTheCallersKeys) {
  auto observer = std::make_shared<CountingObserver>();
  Client client(std::make_unique<RecordingBackend>(),
                ClientOptions{.key_namespace = "ns:", .observer = observer});
  absl::Notification done;
  client.SetAsync("k", "v", {}, [&](absl::Status) {
    client.GetAsync("k", [&](absl::StatusOr<std::string>) { done.Notify(); });
  });
  done.WaitForNotification();
  EXPECT_EQ(observer->operations.load(), 2);
  EXPECT_EQ(observer->hits.load(), 1);
  EXPECT_EQ(observer->writes.load(), 1);
}

// A backend that completes its calls on a thread of its own, later, as a
// networked backend does.
class LateBackend : public RecordingBackend {
 public:
  ~LateBackend() override {
    for (std::thread& t : threads_) t.join();
  }
  void Submit(AsyncRequest request, AsyncDone done, Executor&) override {
    threads_.emplace_back([done = std::move(done)]() mutable {
      absl::SleepFor(absl::Milliseconds(200));
      AsyncReply reply;
      reply.status = absl::NotFoundError("late");
      std::move(done)(std::move(reply));
    });
  }

 private:
  std::vector<std::thread> threads_;
};

TEST(ClientAsync, DestructorWaitsForCallsInFlight) {
  auto client = std::make_unique<Client>(std::make_unique<LateBackend>(),
                                         ClientOptions{});
  std::atomic<bool> called{false};
  client->GetAsync("k", [&](absl::StatusOr<std::string> r) {
    EXPECT_TRUE(absl::IsNotFound(r.status()));
    absl::SleepFor(absl::Milliseconds(50));
    called = true;
  });
  EXPECT_FALSE(called.load());
  client.reset();  // Returns only once the callback has.
  EXPECT_TRUE(called.load());
}

TEST(Executor, DestructionRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    Executor executor({.threads = 1, .max_queued = 100});
    for (int i = 0; i < 50; ++i) {
      Executor::Task task = [&] { ran.fetch_add(1); };
      ASSERT_TRUE(executor.Schedule(task));
    }
  }
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace kivi::testing
