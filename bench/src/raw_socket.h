#ifndef KIVI_BENCH_RAW_SOCKET_H_
#define KIVI_BENCH_RAW_SOCKET_H_

#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi_bench {

// One blocking TCP connection with a read buffer: the least a memcached
// client can do per request. Writes go out in one system call each (writev
// for several pieces); reads take whatever the kernel has, into a buffer
// that grows to the largest reply block seen.
class RawConnection {
 public:
  // Connects to "host:port" with TCP_NODELAY.
  static absl::StatusOr<std::unique_ptr<RawConnection>> Connect(
      const std::string& server);

  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  absl::Status Write(absl::string_view bytes);
  absl::Status WriteV(struct iovec* pieces, int count);

  // The next line, without its "\r\n"; valid until the next read.
  absl::StatusOr<absl::string_view> ReadLine();
  // The next `size` bytes; valid until the next read.
  absl::StatusOr<absl::string_view> ReadBlock(size_t size);

 private:
  RawConnection(int fd, std::string server);
  // Reads at least once more from the socket, making room for `need`
  // unread bytes in total.
  absl::Status Fill(size_t need);

  const int fd_;
  const std::string server_;
  std::vector<char> buffer_;
  size_t begin_ = 0;  // First unread byte.
  size_t end_ = 0;    // One past the last received byte.
};

}  // namespace kivi_bench

#endif  // KIVI_BENCH_RAW_SOCKET_H_
