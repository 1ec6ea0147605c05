// The soak: several threads run mixed single and batch operations on three
// memcached servers for a bounded time while one server is frozen
// (SIGSTOP) and resumed and another is killed and restarted, over and
// over. Each thread writes only its own keys and checks every read against
// its ledger of acknowledged and failed writes.
//
// It must see no wrong value, no status other than Unavailable or
// DeadlineExceeded, no call much slower than the configured timeout, and
// full recovery at the end. `make test` runs it briefly; `make soak`
// (scripts/soak.sh) runs it for a minute. Settings come from the
// environment: KIVI_SOAK_SECONDS (default 6), KIVI_SOAK_THREADS (default 4),
// KIVI_SOAK_REPORT (a file to write the JSON summary to).

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/soak/ledger.h"
#include "integration/soak/soak_stats.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Milliseconds(250);
// What a call may take beyond the timeout: scheduling on a loaded machine,
// sanitizers. The report gives the real figure.
constexpr absl::Duration kSlack = absl::Seconds(1);
constexpr int kKeysPerThread = 64;
constexpr int kBatch = 8;

int EnvInt(const char* name, int fallback) {
  const char* text = std::getenv(name);
  int value;
  return text != nullptr && absl::SimpleAtoi(text, &value) && value > 0
             ? value
             : fallback;
}

// One thread's workload: its keys, its ledger, its counters.
class Worker {
 public:
  Worker(Client& kv, int id) : kv_(kv), random_(id) {
    for (int i = 0; i < kKeysPerThread; ++i) {
      keys_.push_back(absl::StrCat("t", id, ":k", i));
    }
  }

  void Run(const std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_relaxed)) Step();
  }

  // Reads every key once more; all servers must be back.
  void VerifyAll() {
    absl::StatusOr<BatchGetResult> got = kv_.BatchGet(keys_);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(got->failed.empty())
        << got->failed.size() << " keys still failing, e.g. "
        << got->failed.begin()->second;
    for (const std::string& key : keys_) {
      if (got->failed.contains(key)) continue;
      const auto hit = got->found.find(key);
      Verify(key, hit == got->found.end()
                      ? std::nullopt
                      : std::optional<std::string>(hit->second));
    }
  }

  const SoakStats& stats() const { return stats_; }
  const Ledger& ledger() const { return ledger_; }

 private:
  void Step() {
    const int dice = std::uniform_int_distribution<int>(0, 99)(random_);
    if (dice < 35) {
      Get();
    } else if (dice < 60) {
      Set();
    } else if (dice < 70) {
      Delete();
    } else if (dice < 85) {
      BatchGet();
    } else if (dice < 95) {
      BatchSet();
    } else {
      BatchDelete();
    }
  }

  const std::string& AnyKey() {
    return keys_[std::uniform_int_distribution<size_t>(
        0, keys_.size() - 1)(random_)];
  }
  std::vector<std::string> SomeKeys(int n) {
    std::vector<std::string> keys;
    while (static_cast<int>(keys.size()) < n) {
      const std::string& key = AnyKey();
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(key);
      }
    }
    return keys;
  }
  std::string NextValue(const std::string& key) {
    return ledger_.NextValue(
        key, std::uniform_int_distribution<size_t>(0, 2000)(random_));
  }

  // Times `call` and records it as `op`.
  template <typename F>
  auto Timed(const std::string& op, F call) {
    const absl::Time start = absl::Now();
    auto result = call();
    stats_.Call(op, absl::Now() - start);
    return result;
  }

  void Expect(const absl::Status& status) {
    stats_.Error(status);
    EXPECT_TRUE(absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status))
        << status;
  }

  void Verify(const std::string& key, const std::optional<std::string>& value) {
    ++stats_.keys_read;
    const Ledger::Verdict verdict = ledger_.Check(key, value);
    ++stats_.verdicts[verdict];
    EXPECT_FALSE(Ledger::IsWrong(verdict))
        << "wrong value for " << key << ": "
        << (value.has_value() ? value->substr(0, 60) : "(miss)");
  }

  void Get() {
    const std::string key = AnyKey();
    absl::StatusOr<std::string> got =
        Timed("get", [&] { return kv_.Get(key); });
    if (got.ok()) {
      Verify(key, *got);
    } else if (absl::IsNotFound(got.status())) {
      Verify(key, std::nullopt);
    } else {
      Expect(got.status());
    }
  }

  void Set() {
    const std::string key = AnyKey();
    const std::string value = NextValue(key);
    absl::Status s = Timed("set", [&] { return kv_.Set(key, value); });
    if (s.ok()) {
      ledger_.Acknowledged(key, value);
    } else {
      Expect(s);
      ledger_.Failed(key, value);
    }
  }

  void Delete() {
    const std::string key = AnyKey();
    absl::Status s = Timed("delete", [&] { return kv_.Delete(key); });
    if (s.ok()) {
      ledger_.Acknowledged(key, std::nullopt);
    } else {
      Expect(s);
      ledger_.Failed(key, std::nullopt);
    }
  }

  void BatchGet() {
    const std::vector<std::string> keys = SomeKeys(kBatch);
    absl::StatusOr<BatchGetResult> got =
        Timed("batch_get", [&] { return kv_.BatchGet(keys); });
    if (!got.ok()) {
      Expect(got.status());
      return;
    }
    for (const std::string& key : keys) {
      if (const auto failed = got->failed.find(key);
          failed != got->failed.end()) {
        Expect(failed->second);
        continue;
      }
      const auto hit = got->found.find(key);
      Verify(key, hit == got->found.end()
                      ? std::nullopt
                      : std::optional<std::string>(hit->second));
    }
  }

  void BatchSet() {
    std::vector<KeyValue> entries;
    for (const std::string& key : SomeKeys(kBatch)) {
      entries.push_back({key, NextValue(key)});
    }
    absl::StatusOr<BatchWriteResult> written =
        Timed("batch_set", [&] { return kv_.BatchSet(entries); });
    if (!written.ok()) {
      Expect(written.status());
      for (const KeyValue& e : entries) ledger_.Failed(e.key, e.value);
      return;
    }
    for (const KeyValue& e : entries) {
      if (const auto failed = written->failed.find(e.key);
          failed != written->failed.end()) {
        Expect(failed->second);
        ledger_.Failed(e.key, e.value);
      } else {
        ledger_.Acknowledged(e.key, e.value);
      }
    }
  }

  void BatchDelete() {
    const std::vector<std::string> keys = SomeKeys(kBatch / 2);
    absl::StatusOr<BatchWriteResult> deleted =
        Timed("batch_delete", [&] { return kv_.BatchDelete(keys); });
    if (!deleted.ok()) {
      Expect(deleted.status());
      for (const std::string& key : keys) ledger_.Failed(key, std::nullopt);
      return;
    }
    for (const std::string& key : keys) {
      if (const auto failed = deleted->failed.find(key);
          failed != deleted->failed.end()) {
        Expect(failed->second);
        ledger_.Failed(key, std::nullopt);
      } else {
        ledger_.Acknowledged(key, std::nullopt);
      }
    }
  }

  Client& kv_;
  std::mt19937 random_;
  std::vector<std::string> keys_;
  Ledger ledger_;
  SoakStats stats_;
};

absl::Duration Clamp(absl::Duration d, absl::Duration lo, absl::Duration hi) {
  return std::min(std::max(d, lo), hi);
}

TEST(Soak, NoWrongValueNoHangThroughFreezesAndRestarts) {
  KIVI_REQUIRE_MEMCACHED();
  const absl::Duration duration = absl::Seconds(EnvInt("KIVI_SOAK_SECONDS", 6));
  const int threads = EnvInt("KIVI_SOAK_THREADS", 4);

  std::vector<std::unique_ptr<MemcachedProcess>> servers;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
        MemcachedProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    servers.push_back(*std::move(server));
  }
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("memcached://", servers[0]->address(), ",",
                        servers[1]->address(), ",", servers[2]->address(),
                        "?timeout=250ms&connect_timeout=250ms&failure_limit=3"
                        "&retry_timeout=500ms&max_conns=8"));
  ASSERT_TRUE(kv.ok()) << kv.status();

  SoakReport report;
  report.duration = duration;
  report.threads = threads;
  report.timeout = kTimeout;

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>(**kv, i));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> running;
  for (auto& w : workers) {
    running.emplace_back([&w, &stop] { w->Run(stop); });
  }

  // The faults, in cycles: run, freeze server 0, run, kill and restart
  // server 1. The run ends with a quiet stretch, for recovery.
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  const absl::Duration gap =
      Clamp(duration / 8, absl::Milliseconds(500), absl::Seconds(5));
  const absl::Duration freeze =
      Clamp(duration / 10, absl::Milliseconds(500), absl::Seconds(3));
  const absl::Duration down =
      Clamp(duration / 15, absl::Milliseconds(300), absl::Seconds(2));
  absl::SleepFor(gap / 2);
  report.memory_start = SampleMemory();
  while (absl::Now() + 3 * gap + freeze + down < end) {
    absl::SleepFor(gap);
    servers[0]->Signal(SIGSTOP);
    absl::SleepFor(freeze);
    servers[0]->Signal(SIGCONT);
    ++report.freezes;
    absl::SleepFor(gap);
    servers[1]->Signal(SIGKILL);
    absl::SleepFor(down);
    ASSERT_TRUE(servers[1]->Restart().ok());
    ++report.restarts;
  }
  absl::SleepFor(std::max(end - absl::Now(), absl::ZeroDuration()));
  stop = true;
  for (std::thread& t : running) t.join();
  report.memory_end = SampleMemory();
  for (const auto& w : workers) {
    report.ledger_kib_end += w->ledger().ApproximateBytes() / 1024;
  }

  // Every server is back: after retry_timeout nothing may fail.
  absl::SleepFor(absl::Milliseconds(600));
  for (auto& w : workers) {
    w->VerifyAll();
    report.stats.Merge(w->stats());
  }

  std::cout << report.ToText();
  if (const char* path = std::getenv("KIVI_SOAK_REPORT"); path != nullptr) {
    std::ofstream(path) << report.ToJson() << "\n";
  }
  EXPECT_GE(report.freezes, 1);
  EXPECT_GE(report.restarts, 1);
  EXPECT_EQ(report.stats.wrong_values(), 0);
  EXPECT_GT(report.stats.keys_read, 0);
  EXPECT_LE(report.stats.slowest, kTimeout + kSlack)
      << "slowest call: " << report.stats.slowest_call;
}

}  // namespace
}  // namespace kivi::testing
