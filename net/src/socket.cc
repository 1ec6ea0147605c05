#include "kivi/net/socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"

namespace kivi::net {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Endpoint::ToString() const {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

int PollTimeoutMs(absl::Time deadline) {
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return ms > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                              : static_cast<int>(ms);
}

absl::Status WaitReady(int fd, short events, absl::Time deadline,
                       absl::string_view peer, absl::string_view what) {
  while (true) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, PollTimeoutMs(deadline));
    if (n > 0) return absl::OkStatus();
    if (n == 0) {
      if (absl::Now() < deadline) continue;
      return absl::DeadlineExceededError(
          absl::StrCat(peer, ": timed out ", what));
    }
    if (errno != EINTR) {
      return absl::InternalError(
          absl::StrCat(peer, ": poll: ", std::strerror(errno)));
    }
  }
}

absl::StatusOr<std::vector<SocketAddress>> Resolve(const Endpoint& endpoint,
                                                   absl::string_view peer) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  std::string port = absl::StrCat(endpoint.port);
  int rc = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat(peer, ": cannot resolve host: ", ::gai_strerror(rc)));
  }
  std::vector<SocketAddress> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    SocketAddress& a = out.emplace_back();
    a.family = ai->ai_family;
    a.protocol = ai->ai_protocol;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
  }
  ::freeaddrinfo(list);
  if (out.empty()) {
    return absl::UnavailableError(
        absl::StrCat(peer, ": cannot resolve host: no address"));
  }
  return out;
}

absl::StatusOr<UniqueFd> StartConnect(const SocketAddress& address,
                                      absl::string_view peer) {
  UniqueFd fd(::socket(address.family,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       address.protocol));
  if (fd.get() < 0) {
    return absl::UnavailableError(
        absl::StrCat(peer, ": socket: ", std::strerror(errno)));
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage),
                address.length) != 0 &&
      errno != EINPROGRESS) {
    return absl::UnavailableError(
        absl::StrCat(peer, ": connect: ", std::strerror(errno)));
  }
  return fd;
}

absl::StatusOr<bool> ConnectDone(int fd, absl::string_view peer) {
  pollfd p{fd, POLLOUT, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return absl::InternalError(
        absl::StrCat(peer, ": poll: ", std::strerror(errno)));
  }
  if (n == 0) return false;
  int error = 0;
  socklen_t len = sizeof(error);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) {
    return absl::UnavailableError(
        absl::StrCat(peer, ": connect: ", std::strerror(error)));
  }
  return true;
}

}  // namespace kivi::net
