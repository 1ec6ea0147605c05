// A reply of a type its command cannot produce means the stream may be out
// of step (the reply may answer another request): the multiplexed
// connection is retired, the call fails naming the node, and later calls
// run on a new connection. Real Redis never does this, so the server here
// is a minimal fake on a loopback port that answers GET "bad" with an
// integer and any other GET with "ok".

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"

namespace kivi::testing {
namespace {

// Takes one command (an array of bulk strings) off the front of `in`;
// false when it is not complete yet.
bool TakeCommand(std::string* in, std::vector<std::string>* args) {
  args->clear();
  size_t pos = 0;
  auto line = [&](std::string* out) {
    const size_t end = in->find("\r\n", pos);
    if (end == std::string::npos) return false;
    *out = in->substr(pos, end - pos);
    pos = end + 2;
    return true;
  };
  std::string header;
  int count = 0;
  if (!line(&header) || header.empty() || header[0] != '*' ||
      !absl::SimpleAtoi(header.substr(1), &count)) {
    return false;
  }
  for (int i = 0; i < count; ++i) {
    std::string length_line;
    int length = 0;
    if (!line(&length_line) ||
        !absl::SimpleAtoi(length_line.substr(1), &length) ||
        in->size() < pos + length + 2) {
      return false;
    }
    args->push_back(in->substr(pos, length));
    pos += length + 2;
  }
  in->erase(0, pos);
  return true;
}

class FakeRedis {
 public:
  FakeRedis() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(
        bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
        0);
    EXPECT_EQ(listen(listener_, 16), 0);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeRedis() {
    stop_.store(true);
    thread_.join();
    close(listener_);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int accepted() const { return accepted_.load(); }

 private:
  // One thread polls the listener and every connection.
  void Serve() {
    std::vector<pollfd> fds = {{listener_, POLLIN, 0}};
    std::vector<std::string> buffers = {""};
    while (!stop_.load()) {
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int fd = accept(listener_, nullptr, nullptr);
        if (fd >= 0) {
          ++accepted_;
          fds.push_back({fd, POLLIN, 0});
          buffers.emplace_back();
        }
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
        char chunk[4096];
        const ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          continue;
        }
        buffers[i].append(chunk, n);
        std::string out;
        std::vector<std::string> args;
        while (TakeCommand(&buffers[i], &args)) out += Answer(args);
        if (!out.empty()) (void)!write(fds[i].fd, out.data(), out.size());
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].fd >= 0) close(fds[i].fd);
    }
  }

  static std::string Answer(const std::vector<std::string>& args) {
    if (args.empty()) return "-ERR empty\r\n";
    if (args[0] == "HELLO") return "%0\r\n";
    if (args[0] == "GET" && args.size() == 2) {
      return args[1] == "bad" ? ":7\r\n" : "$2\r\nok\r\n";
    }
    return "+OK\r\n";
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST(RedisOutOfStep, UnexpectedReplyTypeRetiresTheConnection) {
  FakeRedis fake;
  absl::StatusOr<std::unique_ptr<Client>> kv = Open(
      absl::StrCat("redis://", fake.address(),
                   "?timeout=2s&mux_conns=1&max_conns=1&failure_limit=1000"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  const absl::StatusOr<std::string> first = (*kv)->Get("good");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(*first, "ok");
  EXPECT_EQ(fake.accepted(), 1);

  const absl::StatusOr<std::string> bad = (*kv)->Get("bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), fake.address()))
      << bad.status();

  // The next call runs on a new connection.
  const absl::StatusOr<std::string> again = (*kv)->Get("good");
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(*again, "ok");
  EXPECT_EQ(fake.accepted(), 2);

  // Asynchronously, with calls queued behind the bad one: each either gets
  // its own reply or fails naming the node; none sees another's.
  constexpr int kCalls = 50;
  std::atomic<int> wrong{0};
  std::atomic<int> left{kCalls};
  absl::Notification all;
  for (int i = 0; i < kCalls; ++i) {
    const bool is_bad = i == kCalls / 2;
    (*kv)->GetAsync(
        is_bad ? "bad" : "good", [&, is_bad](absl::StatusOr<std::string> v) {
          if (is_bad ? v.ok() : (v.ok() && *v != "ok")) ++wrong;
          if (!v.ok() &&
              !absl::StrContains(v.status().message(), fake.address())) {
            ++wrong;
          }
          if (--left == 0) all.Notify();
        });
  }
  ASSERT_TRUE(all.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(wrong.load(), 0);
  const absl::StatusOr<std::string> last = (*kv)->Get("good");
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, "ok");
}

}  // namespace
}  // namespace kivi::testing
