// A server marked down: calls come back as soon as it serves again, and
// after retry_timeout exactly one call probes it.

#include <signal.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/blackhole.h"
#include "integration/harness/memcached_process.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;

TEST(MemcachedRecovery, CallsComeBackAsSoonAsHealthDoes) {
  KIVI_REQUIRE_MEMCACHED();
  absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
      MemcachedProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("memcached://", (*server)->address(),
                        "?timeout=500ms&connect_timeout=500ms&failure_limit=1"
                        "&retry_timeout=60s"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  ASSERT_TRUE((*kv)->Set("k", "v").ok());

  (*server)->Signal(SIGKILL);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ((*kv)->Get("k").status().code(), absl::StatusCode::kUnavailable);
  absl::Status down = (*kv)->Get("k").status();
  EXPECT_THAT(down.message(), HasSubstr("marked down after 1 consecutive"));

  ASSERT_TRUE((*server)->Restart().ok());
  ASSERT_TRUE((*kv)->Health().ok());
  // Well within retry_timeout: the health check's success ended the down
  // period. The restarted server is empty.
  EXPECT_EQ((*kv)->Get("k").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE((*kv)->Set("k", "again").ok());
}

TEST(MemcachedRecovery, AfterRetryTimeoutExactlyOneCallProbes) {
  // A server that takes no connection: each probe costs connect_timeout.
  absl::StatusOr<std::unique_ptr<Blackhole>> hole = Blackhole::Start();
  ASSERT_TRUE(hole.ok()) << hole.status();
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(absl::StrCat(
      "memcached://", (*hole)->address(),
      "?timeout=2s&connect_timeout=1s&failure_limit=1&retry_timeout=100ms"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  EXPECT_EQ((*kv)->Get("k").status().code(),
            absl::StatusCode::kDeadlineExceeded);
  absl::SleepFor(absl::Milliseconds(150));

  constexpr int kCallers = 8;
  std::atomic<int> timed_out{0};
  std::atomic<int> failed_fast{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      const absl::Time start = absl::Now();
      absl::Status s = (*kv)->Get("k").status();
      if (absl::IsDeadlineExceeded(s)) {
        ++timed_out;
      } else if (absl::IsUnavailable(s) &&
                 absl::StrContains(s.message(), "another call is probing") &&
                 absl::Now() - start < absl::Milliseconds(500)) {
        ++failed_fast;
      } else {
        ADD_FAILURE() << s;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(timed_out.load(), 1);
  EXPECT_EQ(failed_fast.load(), kCallers - 1);
}

}  // namespace
}  // namespace kivi::testing
