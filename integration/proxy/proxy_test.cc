// The fault proxy itself, driven over raw sockets in front of a real
// memcached: each fault does to the byte stream exactly what it says.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/ports.h"
#include "integration/proxy/fault_proxy.h"

namespace kivi::testing {
namespace {

// A blocking loopback client socket, closed by the destructor.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(ConnectLoopback(port)) {}
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool connected() const { return fd_ >= 0; }

  bool Send(absl::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // Reads until `want` bytes arrived, the peer closed, or `wait` passed.
  std::string Receive(size_t want, absl::Duration wait) {
    std::string got;
    const absl::Time deadline = absl::Now() + wait;
    while (got.size() < want && !closed_) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1,
                 static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) {
        continue;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        reset_ = n < 0 && errno == ECONNRESET;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

  // True once Receive saw the end of the stream (FIN or reset).
  bool closed() const { return closed_; }
  bool reset() const { return reset_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
  bool reset_ = false;
};

constexpr absl::string_view kGet = "mg k v\r\n";
constexpr absl::string_view kReply = "VA 10\r\n0123456789\r\n";
constexpr absl::Duration kWait = absl::Seconds(5);

class FaultProxyTest : public ::testing::Test {
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
    RawClient client(proxy_->port());
    ASSERT_TRUE(client.Send("ms k 10\r\n0123456789\r\n"));
    ASSERT_EQ(client.Receive(4, kWait), "HD\r\n");
  }

  std::unique_ptr<MemcachedProcess> server_;
  std::unique_ptr<FaultProxy> proxy_;
};

TEST_F(FaultProxyTest, PassForwardsRequestsAndRepliesUnchanged) {
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send(kGet));
  EXPECT_EQ(client.Receive(kReply.size(), kWait), kReply);
  // Counted after each send: the client may read a byte first.
  const int64_t sent = std::string("HD\r\n").size() + kReply.size();
  const absl::Time deadline = absl::Now() + kWait;
  while (proxy_->counters().bytes_to_client < sent && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  FaultProxy::Counters counters = proxy_->counters();
  EXPECT_EQ(counters.accepted, 2);
  EXPECT_EQ(counters.bytes_to_client, sent);
}

TEST_F(FaultProxyTest, DelayHoldsEachReplyForAtLeastTheDelay) {
  proxy_->Delay(absl::Milliseconds(200));
  RawClient client(proxy_->port());
  const absl::Time start = absl::Now();
  ASSERT_TRUE(client.Send(kGet));
  EXPECT_EQ(client.Receive(kReply.size(), kWait), kReply);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
}

TEST_F(FaultProxyTest, StallHoldsRepliesUntilPass) {
  proxy_->Stall();
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send(kGet));
  EXPECT_EQ(client.Receive(1, absl::Milliseconds(200)), "");
  EXPECT_FALSE(client.closed());
  proxy_->Pass();
  EXPECT_EQ(client.Receive(kReply.size(), kWait), kReply);
}

TEST_F(FaultProxyTest, TruncateForwardsTheFirstBytesThenCloses) {
  proxy_->Truncate(9);
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send(kGet));
  EXPECT_EQ(client.Receive(kReply.size(), kWait), kReply.substr(0, 9));
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(proxy_->counters().closed_by_proxy, 1);
}

TEST_F(FaultProxyTest, InjectGarbageInsertsItMidReplyOnce) {
  proxy_->InjectGarbage("#garbage#", 8);
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send(kGet));
  const std::string expected =
      absl::StrCat(kReply.substr(0, 8), "#garbage#", kReply.substr(8));
  EXPECT_EQ(client.Receive(expected.size(), kWait), expected);
  ASSERT_TRUE(client.Send(kGet));
  EXPECT_EQ(client.Receive(kReply.size(), kWait), kReply);
}

TEST_F(FaultProxyTest, DropResetsOpenAndNewConnectionsUntilPass) {
  RawClient open(proxy_->port());
  ASSERT_TRUE(open.Send(kGet));
  ASSERT_EQ(open.Receive(kReply.size(), kWait), kReply);

  proxy_->Drop();
  EXPECT_EQ(open.Receive(1, kWait), "");
  EXPECT_TRUE(open.reset());
  RawClient during(proxy_->port());
  during.Send(kGet);
  EXPECT_EQ(during.Receive(1, kWait), "");
  EXPECT_TRUE(during.closed());

  proxy_->Pass();
  RawClient after(proxy_->port());
  ASSERT_TRUE(after.Send(kGet));
  EXPECT_EQ(after.Receive(kReply.size(), kWait), kReply);
}

TEST_F(FaultProxyTest, CountsConnectionsTheClientCloses) {
  {
    RawClient client(proxy_->port());
    ASSERT_TRUE(client.Send(kGet));
    ASSERT_EQ(client.Receive(kReply.size(), kWait), kReply);
  }
  const absl::Time deadline = absl::Now() + kWait;
  while (proxy_->counters().open > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  FaultProxy::Counters counters = proxy_->counters();
  EXPECT_EQ(counters.open, 0);
  EXPECT_EQ(counters.closed_by_client, 2);
  EXPECT_EQ(counters.closed_by_proxy, 0);
}

}  // namespace
}  // namespace kivi::testing
