#ifndef KIVI_BACKENDS_MEMCACHED_SRC_SOCKET_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_SOCKET_H_

// Plain non-blocking TCP: connecting within a deadline and waiting for
// readiness. Errors name the server.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/server_list.h"

namespace kivi::memcached {

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

// Connects a non-blocking TCP socket with TCP_NODELAY to `address` before
// `deadline`, trying each resolved address in turn. Unavailable (refused,
// unreachable, unknown host) or DeadlineExceeded, naming the server.
absl::StatusOr<UniqueFd> ConnectTcp(const ServerAddress& address,
                                    absl::Time deadline);

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or `deadline`
// passes: OK when ready, DeadlineExceeded naming `server` and `what`
// otherwise. Retries on EINTR.
absl::Status WaitReady(int fd, short events, absl::Time deadline,
                       absl::string_view server, absl::string_view what);

// Milliseconds from now until `deadline` for poll(): 0 when past, rounded
// up so that a wait never ends before the deadline.
int PollTimeoutMs(absl::Time deadline);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_SOCKET_H_
