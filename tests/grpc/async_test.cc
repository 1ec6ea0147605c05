// grpc:// asynchronous calls (gRPC's callback API on the client, the
// callback service on the server): many calls in flight at once from several
// threads, each completed once with its own result.

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"
#include "kivi/server/server.h"

namespace kivi {
namespace {

constexpr int kKeys = 1000;
constexpr int kThreads = 4;

std::string Key(int i) { return absl::StrCat("key-", i); }
std::string Value(int i) { return absl::StrCat("value-", i, "-", i * 7919); }

// Counts callbacks; Wait returns once `expected` have run.
class Countdown {
 public:
  void Done() {
    absl::MutexLock lock(&mu_);
    ++done_;
  }
  bool Wait(int expected, absl::Duration limit) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, expected]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return done_ >= expected;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), limit);
  }

 private:
  absl::Mutex mu_;
  int done_ ABSL_GUARDED_BY(mu_) = 0;
};

class GrpcAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start({.listen = "127.0.0.1:0"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<std::unique_ptr<Client>> client =
        Open(absl::StrCat("grpc://", server_->address(), "?timeout=20s"));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  // Starts `calls(thread)` on kThreads threads at once.
  template <typename Calls>
  void FromThreads(Calls calls) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(calls, t);
    for (std::thread& thread : threads) thread.join();
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(GrpcAsyncTest, ManyCallsInFlightEachGetTheirOwnResult) {
  auto sets = std::make_shared<Countdown>();
  auto set_failures = std::make_shared<std::atomic<int>>(0);
  FromThreads([&](int t) {
    for (int i = t; i < kKeys; i += kThreads) {
      client_->SetAsync(Key(i), Value(i), {},
                        [sets, set_failures](absl::Status status) {
                          if (!status.ok()) ++*set_failures;
                          sets->Done();
                        });
    }
  });
  ASSERT_TRUE(sets->Wait(kKeys, absl::Seconds(30)));
  ASSERT_EQ(*set_failures, 0);

  // Gets of every key, Increments of one counter and BatchGets, all in
  // flight together.
  struct Seen {
    absl::Mutex mu;
    std::vector<std::string> values{kKeys};
    std::vector<std::string> errors;
    std::set<uint64_t> counts;
    int batches_ok = 0;
  };
  auto seen = std::make_shared<Seen>();
  auto done = std::make_shared<Countdown>();
  constexpr int kIncrements = 200;
  constexpr int kBatches = 100;
  FromThreads([&](int t) {
    for (int i = t; i < kKeys; i += kThreads) {
      client_->GetAsync(Key(i), [seen, done, i](absl::StatusOr<std::string> v) {
        absl::MutexLock lock(&seen->mu);
        if (v.ok()) {
          seen->values[i] = *std::move(v);
        } else {
          seen->errors.push_back(v.status().ToString());
        }
        done->Done();
      });
      if (i < kIncrements) {
        client_->IncrementAsync(
            "counter", 1, {}, [seen, done](absl::StatusOr<uint64_t> count) {
              absl::MutexLock lock(&seen->mu);
              if (count.ok()) {
                seen->counts.insert(*count);
              } else {
                seen->errors.push_back(count.status().ToString());
              }
              done->Done();
            });
      }
      if (i < kBatches) {
        std::vector<std::string> keys;
        for (int k = i; k < i + 10; ++k) keys.push_back(Key(k));
        client_->BatchGetAsync(
            keys, [seen, done, i](absl::StatusOr<BatchGetResult> result) {
              absl::MutexLock lock(&seen->mu);
              bool ok = result.ok() && result->found.size() == 10 &&
                        result->failed.empty();
              for (int k = i; ok && k < i + 10; ++k) {
                ok = result->found[Key(k)] == Value(k);
              }
              if (ok) ++seen->batches_ok;
              done->Done();
            });
      }
    }
  });
  ASSERT_TRUE(done->Wait(kKeys + kIncrements + kBatches, absl::Seconds(30)));

  absl::MutexLock lock(&seen->mu);
  EXPECT_TRUE(seen->errors.empty()) << seen->errors.front();
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(seen->values[i], Value(i)) << Key(i);
  }
  // Each Increment saw its own count: kIncrements consecutive ones.
  ASSERT_EQ(seen->counts.size(), static_cast<size_t>(kIncrements));
  EXPECT_EQ(*seen->counts.rbegin() - *seen->counts.begin(),
            static_cast<uint64_t>(kIncrements - 1));
  EXPECT_EQ(seen->batches_ok, kBatches);
}

TEST_F(GrpcAsyncTest, RemoteStatusesAndValidationComeBackAsSynchronousOnes) {
  auto done = std::make_shared<Countdown>();
  absl::Status missing, refused, exists;
  client_->GetAsync("absent", [&, done](absl::StatusOr<std::string> v) {
    missing = v.status();
    done->Done();
  });
  // Refused by the client before any I/O, on this thread.
  client_->SetAsync("bad key", "v", {}, [&, done](absl::Status status) {
    refused = status;
    done->Done();
  });
  ASSERT_TRUE(client_->Set("there", "v").ok());
  client_->AddAsync("there", "w", {}, [&, done](absl::Status status) {
    exists = status;
    done->Done();
  });
  ASSERT_TRUE(done->Wait(3, absl::Seconds(30)));
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists) << exists;
}

}  // namespace
}  // namespace kivi
