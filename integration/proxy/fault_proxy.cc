#include "integration/proxy/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <list>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kivi::testing {
namespace {

// Longest the loop sleeps, so held replies and fault changes are never
// noticed later than this.
constexpr absl::Duration kTick = absl::Milliseconds(20);
// Request bytes buffered per connection before the proxy stops reading the
// client (the server is slower than the client).
constexpr size_t kMaxBuffered = size_t{1} << 20;

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

void SetNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Closes `fd` with a TCP reset instead of an orderly FIN.
void Reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  ::close(fd);
}

}  // namespace

struct FaultProxy::Pair {
  struct Chunk {
    absl::Time ready;
    std::string bytes;
    size_t sent = 0;
  };

  int client = -1;
  int server = -1;
  std::string to_server;
  size_t to_server_sent = 0;
  std::deque<Chunk> to_client;
  // Fault bookkeeping for the epoch the counts belong to.
  uint64_t epoch = 0;
  size_t fault_bytes = 0;
  bool garbage_done = false;
  // No more reply bytes will be queued (truncated, or the server closed):
  // flush what is queued, then end the connection.
  bool last_reply = false;
  // FIN sent to the client; waiting for its close.
  bool half_closed = false;
  bool done = false;
};

// The proxy thread's state: only this thread touches the pairs.
class FaultProxy::Loop {
 public:
  explicit Loop(FaultProxy* proxy) : proxy_(proxy) {}
  ~Loop() {
    for (Pair& p : pairs_) CloseFds(p);
  }

  void Run() {
    while (true) {
      Fault fault;
      {
        absl::MutexLock lock(&proxy_->mu_);
        if (proxy_->stop_) return;
        fault = proxy_->fault_;
      }
      if (fault.epoch != epoch_) {
        NewEpoch(fault);
        pairs_.remove_if([](const Pair& p) { return p.done; });
        absl::MutexLock lock(&proxy_->mu_);
        proxy_->applied_epoch_ = fault.epoch;
      }
      PollOnce(fault);
      pairs_.remove_if([](const Pair& p) { return p.done; });
    }
  }

 private:
  void NewEpoch(const Fault& fault) {
    epoch_ = fault.epoch;
    for (Pair& p : pairs_) {
      if (fault.mode == Mode::kDrop) {
        Finish(p, /*by_client=*/false, /*reset=*/true);
        continue;
      }
      if (fault.mode == Mode::kPass) {
        for (Pair::Chunk& c : p.to_client) c.ready = absl::InfinitePast();
      }
    }
  }

  void PollOnce(const Fault& fault) {
    const absl::Time now = absl::Now();
    absl::Time wake = now + kTick;
    std::vector<pollfd> fds = {{proxy_->listener_, POLLIN, 0},
                               {proxy_->wake_read_, POLLIN, 0}};
    std::vector<std::pair<Pair*, bool>> owners;  // (pair, is_client)
    for (Pair& p : pairs_) {
      short client_events = 0;
      if (p.to_server.size() < kMaxBuffered) client_events |= POLLIN;
      if (!p.to_client.empty()) {
        if (p.to_client.front().ready <= now) {
          client_events |= POLLOUT;
        } else {
          wake = std::min(wake, p.to_client.front().ready);
        }
      }
      fds.push_back({p.client, client_events, 0});
      owners.emplace_back(&p, true);
      if (p.server < 0) continue;
      short server_events = 0;
      if (fault.mode != Mode::kStall && !p.last_reply) server_events |= POLLIN;
      if (p.to_server_sent < p.to_server.size()) server_events |= POLLOUT;
      // Not polled at all when nothing is wanted: a hang-up must not be
      // noticed (nor its last bytes read) while replies are stalled.
      if (server_events == 0) continue;
      fds.push_back({p.server, server_events, 0});
      owners.emplace_back(&p, false);
    }
    const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(
        absl::Ceil(std::max(wake - now, absl::ZeroDuration()),
                   absl::Milliseconds(1))));
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0) return;
    if (fds[1].revents & POLLIN) {
      char drain[64];
      while (::read(proxy_->wake_read_, drain, sizeof(drain)) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) Accept(fault);
    for (size_t i = 2; i < fds.size(); ++i) {
      Pair& p = *owners[i - 2].first;
      if (p.done || fds[i].revents == 0) continue;
      if (owners[i - 2].second) {
        ClientReady(p, fds[i].revents);
      } else {
        ServerReady(p, fds[i].revents, fault);
      }
    }
  }

  void Accept(const Fault& fault) {
    const int client =
        ::accept4(proxy_->listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    Count([](Counters& c) { ++c.accepted; });
    if (fault.mode == Mode::kDrop) {
      Reset(client);
      Count([](Counters& c) { ++c.closed_by_proxy; });
      return;
    }
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = Loopback(proxy_->upstream_port_);
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&addr),
                                sizeof(addr)) != 0) {
      // The server is down: so is the proxy, to the client.
      if (server >= 0) ::close(server);
      Reset(client);
      Count([](Counters& c) { ++c.closed_by_proxy; });
      return;
    }
    SetNonBlocking(client);
    SetNonBlocking(server);
    Pair& p = pairs_.emplace_back();
    p.client = client;
    p.server = server;
    p.epoch = epoch_;
    Count([](Counters& c) { ++c.open; });
  }

  void ClientReady(Pair& p, short revents) {
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[16 * 1024];
      const ssize_t n = ::recv(p.client, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        Finish(p, /*by_client=*/!p.half_closed, /*reset=*/false);
        return;
      }
      if (n > 0 && !p.half_closed && p.server >= 0) {
        p.to_server.append(buf, static_cast<size_t>(n));
      }
    }
    if (revents & POLLOUT) FlushToClient(p);
  }

  void ServerReady(Pair& p, short revents, const Fault& fault) {
    if (revents & POLLOUT) {
      const ssize_t n =
          ::send(p.server, p.to_server.data() + p.to_server_sent,
                 p.to_server.size() - p.to_server_sent, MSG_NOSIGNAL);
      if (n > 0) {
        p.to_server_sent += static_cast<size_t>(n);
        Count([n](Counters& c) { c.bytes_to_server += n; });
        if (p.to_server_sent == p.to_server.size()) {
          p.to_server.clear();
          p.to_server_sent = 0;
        }
      }
    }
    if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
        fault.mode != Mode::kStall && !p.last_reply) {
      char buf[16 * 1024];
      const ssize_t n = ::recv(p.server, buf, sizeof(buf), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        p.last_reply = true;
      } else if (n > 0) {
        QueueReply(p, absl::string_view(buf, static_cast<size_t>(n)), fault);
      }
    }
    if (p.last_reply && p.to_client.empty()) EndAfterFlush(p);
  }

  // Queues reply bytes for the client, applying the fault.
  void QueueReply(Pair& p, absl::string_view bytes, const Fault& fault) {
    if (p.epoch != epoch_) {
      p.epoch = epoch_;
      p.fault_bytes = 0;
      p.garbage_done = false;
    }
    const absl::Time now = absl::Now();
    const absl::Time ready =
        fault.mode == Mode::kDelay ? now + fault.delay : absl::InfinitePast();
    const auto queue = [&](absl::string_view part) {
      if (!part.empty()) p.to_client.push_back({ready, std::string(part)});
    };
    if (fault.mode == Mode::kTruncate) {
      const size_t room = fault.bytes - std::min(fault.bytes, p.fault_bytes);
      const absl::string_view kept = bytes.substr(0, room);
      queue(kept);
      p.fault_bytes += kept.size();
      if (p.fault_bytes >= fault.bytes) p.last_reply = true;
    } else if (fault.mode == Mode::kGarbage && !p.garbage_done &&
               p.fault_bytes + bytes.size() >= fault.bytes) {
      // One chunk, so the garbage and the reply bytes around it arrive
      // together, as corruption inside a segment would.
      const size_t cut = fault.bytes - p.fault_bytes;
      queue(
          absl::StrCat(bytes.substr(0, cut), fault.garbage, bytes.substr(cut)));
      p.garbage_done = true;
    } else {
      queue(bytes);
      p.fault_bytes += bytes.size();
    }
    FlushToClient(p);
  }

  void FlushToClient(Pair& p) {
    const absl::Time now = absl::Now();
    while (!p.to_client.empty() && p.to_client.front().ready <= now) {
      Pair::Chunk& c = p.to_client.front();
      const ssize_t n = ::send(p.client, c.bytes.data() + c.sent,
                               c.bytes.size() - c.sent, MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          Finish(p, /*by_client=*/true, /*reset=*/false);
        }
        return;
      }
      Count([n](Counters& counters) { counters.bytes_to_client += n; });
      c.sent += static_cast<size_t>(n);
      if (c.sent == c.bytes.size()) p.to_client.pop_front();
    }
    if (p.last_reply && p.to_client.empty()) EndAfterFlush(p);
  }

  // Sends FIN after the last reply byte and drops the server side; the
  // client's close then ends the pair.
  void EndAfterFlush(Pair& p) {
    if (p.half_closed) return;
    // Counted before the client can see it, so a test that saw the close
    // also sees the count.
    Count([](Counters& c) { ++c.closed_by_proxy; });
    p.half_closed = true;
    ::shutdown(p.client, SHUT_WR);
    if (p.server >= 0) ::close(p.server);
    p.server = -1;
  }

  void Finish(Pair& p, bool by_client, bool reset) {
    if (p.done) return;
    Count([&](Counters& c) {
      --c.open;
      if (p.half_closed) return;
      ++(by_client ? c.closed_by_client : c.closed_by_proxy);
    });
    if (reset) {
      Reset(p.client);
      p.client = -1;
    }
    CloseFds(p);
    p.done = true;
  }

  static void CloseFds(Pair& p) {
    if (p.client >= 0) ::close(p.client);
    if (p.server >= 0) ::close(p.server);
    p.client = p.server = -1;
  }

  template <typename F>
  void Count(F f) {
    absl::MutexLock lock(&proxy_->mu_);
    f(proxy_->counters_);
  }

  FaultProxy* proxy_;
  uint64_t epoch_ = 0;
  std::list<Pair> pairs_;
};

absl::StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(
    int upstream_port) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  int wake[2];
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener, 128) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    const std::string error = std::strerror(errno);
    if (listener >= 0) ::close(listener);
    return absl::InternalError(absl::StrCat("FaultProxy: ", error));
  }
  return std::unique_ptr<FaultProxy>(new FaultProxy(
      listener, ntohs(addr.sin_port), upstream_port, wake[0], wake[1]));
}

FaultProxy::FaultProxy(int listener, int port, int upstream_port, int wake_read,
                       int wake_write)
    : listener_(listener),
      port_(port),
      upstream_port_(upstream_port),
      wake_read_(wake_read),
      wake_write_(wake_write) {
  thread_ = std::thread([this] { Loop(this).Run(); });
}

FaultProxy::~FaultProxy() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  Wake();
  thread_.join();
  ::close(listener_);
  ::close(wake_read_);
  ::close(wake_write_);
}

std::string FaultProxy::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void FaultProxy::Pass() { SetFault(Mode::kPass, absl::ZeroDuration(), 0, ""); }
void FaultProxy::Delay(absl::Duration delay) {
  SetFault(Mode::kDelay, delay, 0, "");
}
void FaultProxy::Stall() {
  SetFault(Mode::kStall, absl::ZeroDuration(), 0, "");
}
void FaultProxy::Drop() { SetFault(Mode::kDrop, absl::ZeroDuration(), 0, ""); }
void FaultProxy::Truncate(size_t keep) {
  SetFault(Mode::kTruncate, absl::ZeroDuration(), keep, "");
}
void FaultProxy::InjectGarbage(std::string garbage, size_t after) {
  SetFault(Mode::kGarbage, absl::ZeroDuration(), after, std::move(garbage));
}

void FaultProxy::SetFault(Mode mode, absl::Duration delay, size_t bytes,
                          std::string garbage) {
  uint64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    fault_.mode = mode;
    fault_.delay = delay;
    fault_.bytes = bytes;
    fault_.garbage = std::move(garbage);
    epoch = ++fault_.epoch;
  }
  Wake();
  // Returns once the proxy thread applies it, so that every connection
  // accepted and every reply byte read afterwards sees the new fault.
  absl::MutexLock lock(&mu_);
  const auto applied = [this, epoch]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return applied_epoch_ >= epoch || stop_;
  };
  mu_.Await(absl::Condition(&applied));
}

void FaultProxy::Wake() {
  const char byte = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_write_, &byte, 1);
}

FaultProxy::Counters FaultProxy::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

}  // namespace kivi::testing
