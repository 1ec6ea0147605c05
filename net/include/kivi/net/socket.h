#ifndef KIVI_NET_SOCKET_H_
#define KIVI_NET_SOCKET_H_

// Plain non-blocking TCP: resolving, connecting without blocking (so that
// one poll loop connects to many servers at once) and waiting for
// readiness. Errors name the peer as "<label> <host:port>" (for example
// "memcached 10.0.0.1:11211"), the label being the protocol's name.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kivi::net {

// Where to connect: a host name or IP literal (an IPv6 literal without
// brackets) and a port.
struct Endpoint {
  std::string host;
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 literal ("[::1]:6379").
  std::string ToString() const;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release();

 private:
  int fd_ = -1;
};

// One resolved address of an Endpoint.
struct SocketAddress {
  int family = 0;
  int protocol = 0;
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// The addresses of `endpoint`, in the resolver's order of preference (a
// blocking lookup, instant for an IP literal). Unavailable naming `peer`
// (the "<label> <host:port>" of messages) for a host that does not
// resolve.
absl::StatusOr<std::vector<SocketAddress>> Resolve(const Endpoint& endpoint,
                                                   absl::string_view peer);

// Starts connecting a non-blocking TCP socket with TCP_NODELAY to
// `address` without waiting: the socket is connected or connecting (see
// ConnectDone). Unavailable naming `peer` when it fails at once.
absl::StatusOr<UniqueFd> StartConnect(const SocketAddress& address,
                                      absl::string_view peer);

// Whether the connect started on `fd` has finished: true when connected,
// false while in progress (wait for POLLOUT), Unavailable naming `peer`
// when it failed (refused, unreachable). One poll(2) with zero timeout.
absl::StatusOr<bool> ConnectDone(int fd, absl::string_view peer);

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or `deadline`
// passes: OK when ready, DeadlineExceeded naming `peer` and `what`
// otherwise. Retries on EINTR.
absl::Status WaitReady(int fd, short events, absl::Time deadline,
                       absl::string_view peer, absl::string_view what);

// Milliseconds from now until `deadline` for poll(): 0 when past, rounded
// up so that a wait never ends before the deadline.
int PollTimeoutMs(absl::Time deadline);

}  // namespace kivi::net

#endif  // KIVI_NET_SOCKET_H_
