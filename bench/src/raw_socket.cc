#include "src/raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kivi_bench {
namespace {

constexpr size_t kInitialBuffer = 64 << 10;

absl::Status Errno(absl::string_view what, const std::string& server) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", server, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RawConnection>> RawConnection::Connect(
    const std::string& server) {
  const size_t colon = server.rfind(':');
  int port = 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(server).substr(colon + 1), &port) ||
      inet_pton(AF_INET, server.substr(0, colon).c_str(), &address.sin_addr) !=
          1) {
    return absl::InvalidArgumentError(
        absl::StrCat("server \"", server, "\" is not IPv4 host:port"));
  }
  address.sin_port = htons(static_cast<uint16_t>(port));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket for", server);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    absl::Status status = Errno("connect to", server);
    close(fd);
    return status;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RawConnection>(new RawConnection(fd, server));
}

RawConnection::RawConnection(int fd, std::string server)
    : fd_(fd), server_(std::move(server)), buffer_(kInitialBuffer) {}

RawConnection::~RawConnection() { close(fd_); }

absl::Status RawConnection::Write(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write to", server_);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status RawConnection::WriteV(struct iovec* pieces, int count) {
  while (count > 0) {
    ssize_t n = writev(fd_, pieces, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write to", server_);
    }
    while (count > 0 && static_cast<size_t>(n) >= pieces->iov_len) {
      n -= static_cast<ssize_t>(pieces->iov_len);
      ++pieces;
      --count;
    }
    if (count > 0) {
      pieces->iov_base = static_cast<char*>(pieces->iov_base) + n;
      pieces->iov_len -= static_cast<size_t>(n);
    }
  }
  return absl::OkStatus();
}

absl::Status RawConnection::Fill(size_t need) {
  if (begin_ == end_) begin_ = end_ = 0;
  if (buffer_.size() - begin_ < need ||
      buffer_.size() - end_ < kInitialBuffer / 4) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (buffer_.size() < need) buffer_.resize(need);
  }
  for (;;) {
    const ssize_t n = recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return absl::OkStatus();
    }
    if (n == 0) {
      return absl::UnavailableError(
          absl::StrCat("server ", server_, " closed the connection"));
    }
    if (errno != EINTR) return Errno("read from", server_);
  }
}

absl::StatusOr<absl::string_view> RawConnection::ReadLine() {
  size_t scanned = begin_;
  for (;;) {
    const void* newline =
        std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    if (newline != nullptr) {
      const size_t at = static_cast<const char*>(newline) - buffer_.data();
      absl::string_view line(buffer_.data() + begin_, at - begin_);
      begin_ = at + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return line;
    }
    const size_t offset = end_ - begin_;
    absl::Status filled = Fill(offset + 1);
    if (!filled.ok()) return filled;
    scanned = begin_ + offset;
  }
}

absl::StatusOr<absl::string_view> RawConnection::ReadBlock(size_t size) {
  while (end_ - begin_ < size) {
    absl::Status filled = Fill(size);
    if (!filled.ok()) return filled;
  }
  absl::string_view block(buffer_.data() + begin_, size);
  begin_ += size;
  return block;
}

}  // namespace kivi_bench
