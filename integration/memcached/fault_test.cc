// Faults: a server killed, frozen, or speaking garbage. Every call must end
// within its timeout (plus a margin), with the failing server named, and
// only the failing server's keys may fail.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;

// Slack for scheduling on a loaded machine beyond an operation's timeout.
constexpr absl::Duration kMargin = absl::Milliseconds(700);

class ThreeServers : public ::testing::Test {
 protected:
  void SetUp() override {
    KIVI_REQUIRE_MEMCACHED();
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::unique_ptr<MemcachedProcess>> server =
          MemcachedProcess::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      servers_.push_back(*std::move(server));
    }
  }

  std::string Url(absl::string_view query) const {
    return absl::StrCat("memcached://", servers_[0]->address(), ",",
                        servers_[1]->address(), ",", servers_[2]->address(),
                        "?", query);
  }

  std::unique_ptr<Client> OpenClient(absl::string_view query) {
    absl::StatusOr<std::unique_ptr<Client>> client = Open(Url(query));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::vector<std::unique_ptr<MemcachedProcess>> servers_;
};

std::vector<std::string> Keys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat("key", i));
  return keys;
}

TEST_F(ThreeServers, KilledServerFailsOnlyItsKeysFastThenRecovers) {
  std::unique_ptr<Client> kv = OpenClient(
      "timeout=500ms&connect_timeout=500ms&failure_limit=3&retry_timeout=1s");
  ASSERT_NE(kv, nullptr);
  const std::vector<std::string> keys = Keys(300);
  for (const std::string& k : keys) ASSERT_TRUE(kv->Set(k, "v-" + k).ok());

  const std::string dead = servers_[1]->address();
  servers_[1]->Signal(SIGKILL);
  absl::SleepFor(absl::Milliseconds(50));

  std::vector<std::string> dead_keys;
  absl::Time start = absl::Now();
  for (const std::string& k : keys) {
    absl::StatusOr<std::string> v = kv->Get(k);
    if (v.ok()) {
      EXPECT_EQ(*v, "v-" + k);
      continue;
    }
    EXPECT_EQ(v.status().code(), absl::StatusCode::kUnavailable) << v.status();
    EXPECT_THAT(v.status().message(), HasSubstr(dead));
    dead_keys.push_back(k);
  }
  // Refused connections and then the down mark fail fast: no timeouts.
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_GT(dead_keys.size(), 30u);
  EXPECT_LT(dead_keys.size(), 200u);

  ASSERT_TRUE(servers_[1]->Restart().ok());
  absl::SleepFor(absl::Milliseconds(1100));  // retry_timeout
  for (const std::string& k : dead_keys) {
    // The restarted server is empty: a miss, not a failure.
    EXPECT_EQ(kv->Get(k).status().code(), absl::StatusCode::kNotFound) << k;
    EXPECT_TRUE(kv->Set(k, "again").ok());
    EXPECT_EQ(*kv->Get(k), "again");
  }
}

TEST_F(ThreeServers, BatchWithAKilledServerFailsOnlyItsKeys) {
  std::unique_ptr<Client> kv =
      OpenClient("timeout=500ms&failure_limit=100&retry_timeout=1s");
  ASSERT_NE(kv, nullptr);
  const std::vector<std::string> keys = Keys(200);
  std::vector<KeyValue> entries;
  for (const std::string& k : keys) entries.push_back({k, "v-" + k});
  absl::StatusOr<BatchWriteResult> written = kv->BatchSet(entries);
  ASSERT_TRUE(written.ok() && written->ok());

  const std::string dead = servers_[2]->address();
  servers_[2]->Signal(SIGKILL);
  absl::SleepFor(absl::Milliseconds(50));

  absl::StatusOr<BatchGetResult> got = kv->BatchGet(keys);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_GT(got->failed.size(), 20u);
  EXPECT_EQ(got->found.size() + got->failed.size(), keys.size());
  for (const auto& [key, value] : got->found) EXPECT_EQ(value, "v-" + key);
  for (const auto& [key, status] : got->failed) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(status.message(), HasSubstr(dead));
  }
  // Writes fail the same keys and only them.
  absl::StatusOr<BatchWriteResult> rewritten = kv->BatchSet(entries);
  ASSERT_TRUE(rewritten.ok());
  EXPECT_EQ(rewritten->failed.size(), got->failed.size());
  for (const auto& [key, status] : rewritten->failed) {
    EXPECT_TRUE(got->failed.contains(key)) << key;
  }
}

TEST_F(ThreeServers, RehashFailoverMovesKeysOfADownServer) {
  std::unique_ptr<Client> kv = OpenClient(
      "timeout=500ms&failure_limit=1&retry_timeout=30s&failover=rehash");
  ASSERT_NE(kv, nullptr);
  const std::vector<std::string> keys = Keys(100);
  servers_[0]->Signal(SIGKILL);
  absl::SleepFor(absl::Milliseconds(50));
  // The first failure marks the server down; from then on its keys live on
  // the other two.
  int failed = 0;
  for (const std::string& k : keys) {
    if (!kv->Set(k, "v").ok()) ++failed;
  }
  EXPECT_LE(failed, 1);
  int found = 0;
  for (const std::string& k : keys) found += kv->Get(k).ok() ? 1 : 0;
  EXPECT_GE(found, 99);
}

TEST_F(ThreeServers, FrozenServerTimesOutWithinTheTimeoutAndNeverMisreplies) {
  std::unique_ptr<Client> kv =
      OpenClient("timeout=300ms&failure_limit=1000&retry_timeout=1s");
  ASSERT_NE(kv, nullptr);
  const std::vector<std::string> keys = Keys(60);
  for (const std::string& k : keys) ASSERT_TRUE(kv->Set(k, "v-" + k).ok());

  const std::string frozen = servers_[0]->address();
  servers_[0]->Signal(SIGSTOP);
  int timeouts = 0;
  for (const std::string& k : keys) {
    absl::Time start = absl::Now();
    absl::StatusOr<std::string> v = kv->Get(k);
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(300) + kMargin) << k;
    if (v.ok()) {
      EXPECT_EQ(*v, "v-" + k);
      continue;
    }
    ++timeouts;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kDeadlineExceeded)
        << v.status();
    EXPECT_THAT(v.status().message(), HasSubstr(frozen));
  }
  EXPECT_GT(timeouts, 0);
  // A batch is bounded the same way and the live servers still answer.
  absl::Time start = absl::Now();
  absl::StatusOr<BatchGetResult> batch = kv->BatchGet(keys);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(300) + kMargin);
  ASSERT_TRUE(batch.ok());
  EXPECT_FALSE(batch->found.empty());
  EXPECT_FALSE(batch->failed.empty());

  servers_[0]->Signal(SIGCONT);
  // The requests that timed out are answered by the server now, on
  // connections that were closed: no reply may reach a later request.
  for (int round = 0; round < 3; ++round) {
    for (const std::string& k : keys) {
      absl::StatusOr<std::string> v = kv->Get(k);
      ASSERT_TRUE(v.ok()) << k << ": " << v.status();
      EXPECT_EQ(*v, "v-" + k);
    }
  }
}

// A TCP server on a free loopback port that answers every request line with
// `reply`, then closes the connection if `close_after`; an empty reply
// stalls instead.
class FakeServer {
 public:
  FakeServer(std::string reply, bool close_after)
      : reply_(std::move(reply)), close_after_(close_after) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    for (int fd : conns_) ::close(fd);
    ::close(listener_);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  void Serve() {
    while (!stop_) {
      std::vector<pollfd> fds = {{listener_, POLLIN, 0}};
      for (int fd : conns_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        conns_.push_back(::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC));
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        char buf[4096];
        if (::recv(fds[i].fd, buf, sizeof(buf), 0) <= 0 || reply_.empty()) {
          continue;
        }
        ::send(fds[i].fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        if (close_after_) ::shutdown(fds[i].fd, SHUT_RDWR);
      }
    }
  }

  std::string reply_;
  bool close_after_;
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> conns_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

absl::Status GetFrom(const FakeServer& server, absl::Duration* took) {
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(absl::StrCat(
      "memcached://", server.address(), "?timeout=300ms&failure_limit=100"));
  if (!kv.ok()) return kv.status();
  absl::Time start = absl::Now();
  absl::Status s = (*kv)->Get("k").status();
  *took = absl::Now() - start;
  return s;
}

TEST(MemcachedBadServer, GarbageIsUnavailableNamingTheServer) {
  FakeServer server("HELLO I AM NOT MEMCACHED\r\n", false);
  absl::Duration took;
  absl::Status s = GetFrom(server, &took);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(s.message(), HasSubstr(server.address()));
}

TEST(MemcachedBadServer, TruncatedReplyIsUnavailable) {
  FakeServer server("VA 10\r\nabc", true);
  absl::Duration took;
  absl::Status s = GetFrom(server, &took);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(s.message(), HasSubstr(server.address()));
}

TEST(MemcachedBadServer, HugeLengthIsRejectedNotAllocated) {
  FakeServer server("VA 99999999999999999999\r\n", false);
  absl::Duration took;
  absl::Status s = GetFrom(server, &took);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
}

TEST(MemcachedBadServer, StallIsDeadlineExceededWithinTheTimeout) {
  FakeServer server("", false);
  absl::Duration took;
  absl::Status s = GetFrom(server, &took);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_THAT(s.message(), HasSubstr(server.address()));
  EXPECT_LT(took, absl::Milliseconds(300) + kMargin);
}

}  // namespace
}  // namespace kivi::testing
