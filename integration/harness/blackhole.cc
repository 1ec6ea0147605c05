#include "integration/harness/blackhole.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kivi::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A non-blocking connect to 127.0.0.1:`port`, left in progress.
int StartConnect(int port) {
  const int fd =
      ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_in addr = Loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) !=
          0 &&
      errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Blackhole>> Blackhole::Start() {
  std::unique_ptr<Blackhole> hole(new Blackhole());
  hole->listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  if (hole->listener_ < 0 ||
      ::bind(hole->listener_, reinterpret_cast<const sockaddr*>(&addr),
             sizeof(addr)) != 0 ||
      ::listen(hole->listener_, 0) != 0 ||
      ::getsockname(hole->listener_, reinterpret_cast<sockaddr*>(&addr),
                    &len) != 0) {
    return absl::InternalError(
        absl::StrCat("blackhole listener: ", std::strerror(errno)));
  }
  hole->port_ = ntohs(addr.sin_port);
  // A backlog of 0 holds one connection; two more make sure it is full.
  for (int i = 0; i < 3; ++i) {
    const int fd = StartConnect(hole->port_);
    if (fd < 0) {
      return absl::InternalError(
          absl::StrCat("blackhole filler: ", std::strerror(errno)));
    }
    hole->fillers_.push_back(fd);
  }
  // Proof: a further connect must not complete.
  const int probe = StartConnect(hole->port_);
  if (probe < 0) return absl::InternalError("blackhole probe: connect failed");
  pollfd p{probe, POLLOUT, 0};
  const int ready = ::poll(&p, 1, 300);
  ::close(probe);
  if (ready != 0) {
    return absl::InternalError(
        "blackhole: a connection got through a full accept queue");
  }
  return hole;
}

Blackhole::~Blackhole() {
  for (int fd : fillers_) ::close(fd);
  if (listener_ >= 0) ::close(listener_);
}

std::string Blackhole::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

}  // namespace kivi::testing
