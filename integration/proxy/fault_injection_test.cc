// kivi's memcached backend behind the fault proxy. Under every fault a call
// ends within its timeout (plus scheduling slack) with an error, never a
// wrong value; the connection it no longer trusts is discarded; and once the
// fault stops, calls succeed again with the right values.

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/proxy/fault_proxy.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Milliseconds(300);
// Slack for scheduling on a loaded machine (and sanitizers) beyond the
// timeout.
constexpr absl::Duration kMargin = absl::Milliseconds(700);
constexpr int kKeys = 20;

std::string KeyName(int i) { return absl::StrCat("key", i); }
std::string ValueOf(int i, int version) {
  return absl::StrCat("value-of-key", i, "-v", version);
}

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
        MemcachedProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<std::unique_ptr<FaultProxy>> proxy =
        FaultProxy::Start(server_->port());
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    // A high failure limit keeps the server admitted, so recovery shows as
    // soon as the fault stops.
    absl::StatusOr<std::unique_ptr<Client>> kv = Open(absl::StrCat(
        "memcached://", proxy_->address(),
        "?timeout=300ms&connect_timeout=300ms&failure_limit=1000000"));
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = *std::move(kv);
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_TRUE(kv_->Set(KeyName(i), ValueOf(i, 0)).ok());
      acked_[KeyName(i)] = ValueOf(i, 0);
    }
  }

  // Runs single and batch reads and writes under the current fault. Every
  // call must end within the timeout; an OK read must return the last
  // acknowledged value or one whose write failed (a failed write may still
  // have been applied); errors must have one of `codes`. Returns the number
  // of failed calls.
  int ExerciseUnderFault(std::vector<absl::StatusCode> codes, int rounds = 3) {
    int failures = 0;
    for (int round = 0; round < rounds; ++round) {
      for (int i = 0; i < 4; ++i) {
        const std::string key = KeyName(i);
        const absl::Time start = absl::Now();
        absl::StatusOr<std::string> got = kv_->Get(key);
        EXPECT_LT(absl::Now() - start, kTimeout + kMargin) << key;
        failures += Check(key, got, codes);

        const std::string value = ValueOf(i, ++version_);
        const absl::Time write_start = absl::Now();
        absl::Status set = kv_->Set(key, value);
        EXPECT_LT(absl::Now() - write_start, kTimeout + kMargin) << key;
        if (set.ok()) {
          acked_[key] = value;
          uncertain_[key].clear();
        } else {
          ++failures;
          EXPECT_THAT(set.code(), ::testing::AnyOfArray(codes)) << set;
          uncertain_[key].push_back(value);
        }
      }
      std::vector<std::string> keys;
      for (int i = 0; i < kKeys; ++i) keys.push_back(KeyName(i));
      const absl::Time start = absl::Now();
      absl::StatusOr<BatchGetResult> batch = kv_->BatchGet(keys);
      EXPECT_LT(absl::Now() - start, kTimeout + kMargin);
      if (!batch.ok()) {
        ++failures;
        EXPECT_THAT(batch.status().code(), ::testing::AnyOfArray(codes));
        continue;
      }
      for (const auto& [key, value] : batch->found) ExpectAllowed(key, value);
      for (const auto& [key, status] : batch->failed) {
        EXPECT_THAT(status.code(), ::testing::AnyOfArray(codes)) << status;
      }
      failures += batch->failed.empty() ? 0 : 1;
    }
    return failures;
  }

  int Check(const std::string& key, const absl::StatusOr<std::string>& got,
            const std::vector<absl::StatusCode>& codes) {
    if (got.ok()) {
      ExpectAllowed(key, *got);
      return 0;
    }
    EXPECT_THAT(got.status().code(), ::testing::AnyOfArray(codes))
        << got.status();
    return 1;
  }

  void ExpectAllowed(const std::string& key, const std::string& value) {
    if (value == acked_[key]) return;
    for (const std::string& maybe : uncertain_[key]) {
      if (value == maybe) return;
    }
    ADD_FAILURE() << "wrong value for " << key << ": \"" << value
                  << "\"; last acknowledged \"" << acked_[key] << "\"";
  }

  // After the fault: every key reads back right, single and batched, and a
  // write then read round-trips.
  void ExpectRecovered() {
    proxy_->Pass();
    for (int i = 0; i < kKeys; ++i) {
      const std::string key = KeyName(i);
      absl::StatusOr<std::string> got = kv_->Get(key);
      ASSERT_TRUE(got.ok()) << key << ": " << got.status();
      ExpectAllowed(key, *got);
      const std::string value = ValueOf(i, ++version_);
      ASSERT_TRUE(kv_->Set(key, value).ok());
      acked_[key] = value;
      uncertain_[key].clear();
    }
    std::vector<std::string> keys;
    for (int i = 0; i < kKeys; ++i) keys.push_back(KeyName(i));
    absl::StatusOr<BatchGetResult> batch = kv_->BatchGet(keys);
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_TRUE(batch->failed.empty());
    EXPECT_EQ(batch->found.size(), keys.size());
    for (const auto& [key, value] : batch->found) EXPECT_EQ(value, acked_[key]);
  }

  // Waits until every connection the client gave up on has been closed.
  void ExpectClientClosedConnections(int64_t at_least) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (proxy_->counters().closed_by_client < at_least &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    EXPECT_GE(proxy_->counters().closed_by_client, at_least);
  }

  std::unique_ptr<MemcachedProcess> server_;
  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<Client> kv_;
  std::map<std::string, std::string> acked_;
  std::map<std::string, std::vector<std::string>> uncertain_;
  int version_ = 0;
};

TEST_F(FaultInjection, DelayWithinTheTimeoutIsOnlySlower) {
  proxy_->Delay(absl::Milliseconds(50));
  EXPECT_EQ(ExerciseUnderFault({}), 0);
  ExpectRecovered();
}

TEST_F(FaultInjection, DelayBeyondTheTimeoutIsDeadlineExceededAndDiscarded) {
  proxy_->Delay(absl::Milliseconds(600));
  EXPECT_GT(ExerciseUnderFault({absl::StatusCode::kDeadlineExceeded}), 0);
  // The late replies must find no taker: each timed-out connection is gone.
  ExpectClientClosedConnections(1);
  ExpectRecovered();
}

TEST_F(FaultInjection, StallIsDeadlineExceededWithinTheTimeout) {
  proxy_->Stall();
  EXPECT_GT(ExerciseUnderFault({absl::StatusCode::kDeadlineExceeded}), 0);
  ExpectClientClosedConnections(1);
  ExpectRecovered();
}

TEST_F(FaultInjection, DroppedConnectionsAreUnavailable) {
  proxy_->Drop();
  EXPECT_GT(ExerciseUnderFault({absl::StatusCode::kUnavailable}), 0);
  ExpectRecovered();
}

TEST_F(FaultInjection, TruncatedRepliesAreUnavailable) {
  // Cuts each connection inside its next reply: within "VA <n>" or its data.
  for (size_t keep : {0, 1, 3, 9, 20}) {
    SCOPED_TRACE(absl::StrCat("keep ", keep));
    proxy_->Truncate(keep);
    EXPECT_GT(ExerciseUnderFault({absl::StatusCode::kUnavailable}, 1), 0);
  }
  ExpectRecovered();
}

TEST_F(FaultInjection, GarbageMidReplyIsUnavailableAndDiscarded) {
  int64_t closed = proxy_->counters().closed_by_client;
  for (size_t after : {0, 2, 5, 9, 15}) {
    SCOPED_TRACE(absl::StrCat("after ", after));
    for (absl::string_view garbage :
         {"\x00\xff\r\n", "EN\r\n", "XX", "VA 2\r\nzz\r\n", "\r\n"}) {
      proxy_->InjectGarbage(std::string(garbage), after);
      ExerciseUnderFault(
          {absl::StatusCode::kUnavailable, absl::StatusCode::kInternal}, 1);
    }
  }
  ExpectClientClosedConnections(closed + 1);
  ExpectRecovered();
}

TEST_F(FaultInjection, ServerMarkedDownRecoversAfterRetryTimeout) {
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("memcached://", proxy_->address(),
                        "?timeout=300ms&failure_limit=2&retry_timeout=500ms"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  proxy_->Drop();
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    EXPECT_EQ((*kv)->Get("key0").status().code(),
              absl::StatusCode::kUnavailable);
    EXPECT_LT(absl::Now() - start, kTimeout + kMargin);
  }
  proxy_->Pass();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<std::string> got = (*kv)->Get("key0");
  while (!got.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    got = (*kv)->Get("key0");
  }
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, acked_["key0"]);
}

// Faults switched every few milliseconds while threads read and write their
// own keys: whatever interleaving results, no read returns a value that is
// neither the last acknowledged write nor a write that failed since.
TEST_F(FaultInjection, ChangingFaultsNeverProduceAWrongValue) {
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::atomic<int> ok_reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = absl::StrCat("thread", t);
      std::string acked;
      std::vector<std::string> uncertain;
      for (int n = 0; !stop.load(); ++n) {
        const std::string value = absl::StrCat(key, "#", n);
        absl::Status set = kv_->Set(key, value);
        if (set.ok()) {
          acked = value;
          uncertain.clear();
        } else {
          uncertain.push_back(value);
        }
        absl::StatusOr<std::string> got = kv_->Get(key);
        if (!got.ok()) continue;
        ++ok_reads;
        if (*got != acked && std::find(uncertain.begin(), uncertain.end(),
                                       *got) == uncertain.end()) {
          ++wrong;
        }
      }
    });
  }
  const absl::Time end = absl::Now() + absl::Seconds(3);
  for (int step = 0; absl::Now() < end; ++step) {
    switch (step % 6) {
      case 0:
        proxy_->Pass();
        break;
      case 1:
        proxy_->Delay(absl::Milliseconds(250 + 50 * (step % 4)));
        break;
      case 2:
        proxy_->InjectGarbage("EN\r\n", static_cast<size_t>(step % 13));
        break;
      case 3:
        proxy_->Stall();
        break;
      case 4:
        proxy_->Truncate(static_cast<size_t>(step % 17));
        break;
      case 5:
        proxy_->Drop();
        break;
    }
    absl::SleepFor(absl::Milliseconds(120));
  }
  proxy_->Pass();
  stop = true;
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(ok_reads.load(), 0);
  ExpectRecovered();
}

}  // namespace
}  // namespace kivi::testing
