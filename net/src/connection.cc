#include "kivi/net/connection.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kivi/status_macros.h"

namespace kivi::net {
namespace {

// Free space guaranteed before each read.
constexpr size_t kMinReadBytes = 16 * 1024;
// The read buffer's first size; buffers no larger are never trimmed.
constexpr size_t kBaseBytes = 64 * 1024;
// Larger buffers are kept while large replies or requests keep coming:
// freeing one after each large value would cost an allocation, a growth
// copy and cold cache lines on the next (measured: 100 KiB Gets took twice
// the CPU). A buffer is freed after this many releases in a row that did
// not need it, and at once above kKeptBytes, which bounds what an idle
// connection holds (memcached's default item limit is 1 MiB).
constexpr int kTrimAfterReleases = 16;
constexpr size_t kKeptBytes = 2 * 1024 * 1024;

// What a blocking read may overrun its SO_RCVTIMEO by: the kernel rounds
// the timeout up to whole jiffies (10 ms at HZ=100) and then needs to run
// the thread.
constexpr absl::Duration kTimerSlack = absl::Milliseconds(20);

}  // namespace

Connection::Connection(std::string server, absl::string_view label)
    : server_(std::move(server)), peer_(absl::StrCat(label, " ", server_)) {}

Connection::~Connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

absl::Status Connection::EnableBlockingReads(absl::Duration timeout) {
  const int flags = ::fcntl(fd_.get(), F_GETFL);
  timeval tv = absl::ToTimeval(timeout);
  if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, flags & ~O_NONBLOCK) != 0 ||
      ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
    return absl::InternalError(
        absl::StrCat(peer_, ": socket setup: ", std::strerror(errno)));
  }
  blocking_reads_ = true;
  block_margin_ = timeout + kTimerSlack;
  return absl::OkStatus();
}

absl::Time Connection::BlockUntil(absl::Time deadline) const {
  return blocking_reads_ ? deadline - block_margin_ : absl::InfinitePast();
}

absl::Status Connection::Broken(absl::Status status) {
  broken_ = true;
  return status;
}

absl::Status Connection::CheckNothingFollows() {
  if (Idle()) return absl::OkStatus();
  return Broken(absl::UnavailableError(
      absl::StrCat(peer_, ": unexpected bytes after the reply")));
}

absl::Status Connection::PeerClosed(absl::Status status) {
  if (!got_reply_bytes_) closed_before_reply_ = true;
  return Broken(std::move(status));
}

absl::Status Connection::WriteSome(short* want) {
  if (out_sent_ == 0 && !out_.empty()) {
    // A new request: nothing of its reply has come yet.
    got_reply_bytes_ = false;
    closed_before_reply_ = false;
    if (out_.size() > kBaseBytes) needed_large_ = true;
  }
  while (out_sent_ < out_.size()) {
    const char* data = out_.data() + out_sent_;
    size_t len = out_.size() - out_sent_;
    ssize_t n;
    if (ssl_ != nullptr) {
      int rc = SSL_write(ssl_, data,
                         static_cast<int>(std::min<size_t>(len, 1 << 30)));
      if (rc <= 0) {
        int err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_WRITE) {
          *want |= POLLOUT;
          return absl::OkStatus();
        }
        if (err == SSL_ERROR_WANT_READ) return absl::OkStatus();
        return Broken(absl::UnavailableError(
            absl::StrCat(peer_, ": TLS write failed: ", TakeTlsErrors())));
      }
      n = rc;
    } else {
      n = ::send(fd_.get(), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          *want |= POLLOUT;
          return absl::OkStatus();
        }
        absl::Status error = absl::UnavailableError(
            absl::StrCat(peer_, ": write: ", std::strerror(errno)));
        if (errno == EPIPE || errno == ECONNRESET) {
          return PeerClosed(std::move(error));
        }
        return Broken(std::move(error));
      }
    }
    out_sent_ += static_cast<size_t>(n);
  }
  out_.clear();
  out_sent_ = 0;
  return absl::OkStatus();
}

absl::Status Connection::ReadSome(short* want, bool block) {
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  if (in_cap_ - in_end_ < kMinReadBytes) {
    if (in_begin_ > 0) {
      std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
      in_end_ -= in_begin_;
      in_begin_ = 0;
    }
    if (in_cap_ - in_end_ < kMinReadBytes) {
      size_t cap = std::max(in_cap_ * 2, kBaseBytes);
      std::unique_ptr<char[]> bigger(new char[cap]);
      // The first read has no buffer yet: memcpy from null is undefined
      // even for zero bytes.
      if (in_end_ > 0) std::memcpy(bigger.get(), in_.get(), in_end_);
      in_ = std::move(bigger);
      in_cap_ = cap;
    }
  }
  char* dst = in_.get() + in_end_;
  size_t space = in_cap_ - in_end_;
  while (true) {
    ssize_t n;
    if (ssl_ != nullptr) {
      int rc = SSL_read(ssl_, dst,
                        static_cast<int>(std::min<size_t>(space, 1 << 30)));
      if (rc <= 0) {
        int err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_READ) return absl::OkStatus();
        if (err == SSL_ERROR_WANT_WRITE) {
          *want |= POLLOUT;
          return absl::OkStatus();
        }
        if (err != SSL_ERROR_ZERO_RETURN) {
          return Broken(absl::UnavailableError(
              absl::StrCat(peer_, ": TLS read failed: ", TakeTlsErrors())));
        }
        n = 0;
      } else {
        n = rc;
      }
    } else {
      n = ::recv(fd_.get(), dst, space,
                 blocking_reads_ && !block ? MSG_DONTWAIT : 0);
      if (n < 0) {
        // An interrupted blocking read returns to its caller, which checks
        // the deadline before blocking again.
        if (errno == EINTR && !block) continue;
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
          return absl::OkStatus();
        }
        absl::Status error = absl::UnavailableError(
            absl::StrCat(peer_, ": read: ", std::strerror(errno)));
        if (errno == ECONNRESET) return PeerClosed(std::move(error));
        return Broken(std::move(error));
      }
    }
    if (n == 0) {
      return PeerClosed(absl::UnavailableError(
          absl::StrCat(peer_, ": server closed the connection")));
    }
    got_reply_bytes_ = true;
    in_end_ += static_cast<size_t>(n);
    if (in_end_ > kBaseBytes) needed_large_ = true;
    return absl::OkStatus();
  }
}

absl::StatusOr<bool> Connection::Feed(ReplyReader& reader) {
  while (in_begin_ < in_end_) {
    size_t consumed = 0;
    absl::StatusOr<bool> done = reader.Consume(
        absl::string_view(in_.get() + in_begin_, in_end_ - in_begin_),
        &consumed);
    if (!done.ok()) {
      return Broken(absl::UnavailableError(
          absl::StrCat(peer_, ": malformed reply: ", done.status().message())));
    }
    in_begin_ += consumed;
    if (*done) return true;
    if (consumed == 0) break;
  }
  return false;
}

absl::StatusOr<short> Connection::Step(ReplyReader& reader, bool read) {
  return Advance(reader, read, absl::InfinitePast(), absl::InfinitePast());
}

absl::StatusOr<short> Connection::Pump(ReplyReader& reader,
                                       absl::Time block_until, absl::Time now) {
  // Replies already buffered come first: a blocking read would wait for
  // bytes that may never be needed.
  if (!broken_ && phase_ == Phase::kReady && in_begin_ < in_end_) {
    short want = POLLIN;
    if (absl::Status s = WriteSome(&want); !s.ok()) return s;
    absl::StatusOr<bool> done = Feed(reader);
    if (!done.ok()) return done.status();
    if (*done) return 0;
  }
  return Advance(reader, true, block_until, now);
}

absl::StatusOr<short> Connection::Advance(ReplyReader& reader, bool read,
                                          absl::Time block_until,
                                          absl::Time now) {
  if (broken_) {
    return absl::UnavailableError(
        absl::StrCat(peer_, ": connection is broken"));
  }
  if (phase_ != Phase::kReady) {
    absl::StatusOr<short> setup = Establish();
    if (!setup.ok() || *setup != 0) return setup;
  }
  short want = POLLIN;
  if (absl::Status s = WriteSome(&want); !s.ok()) return s;
  if (!read) return want;
  while (true) {
    size_t before = in_end_ - in_begin_;
    // The reply cannot be complete before the whole request is out.
    bool block = false;
    if (out_.empty() && block_until != absl::InfinitePast()) {
      if (now == absl::InfinitePast()) now = absl::Now();
      block = now < block_until;
      now = absl::InfinitePast();  // Stale once this read returns.
    }
    absl::Status read_status = ReadSome(&want, block);
    bool got_bytes = in_end_ - in_begin_ > before;
    // Replies that arrived before a read error are still consumed: the
    // error only matters if the reader needs more.
    absl::StatusOr<bool> done = Feed(reader);
    if (!done.ok()) return done.status();
    if (*done) return 0;
    if (!read_status.ok()) return read_status;
    if (!got_bytes) return want;
  }
}

absl::Status Connection::Exchange(ReplyReader& reader, absl::Time deadline,
                                  absl::Time now) {
  const absl::Time block_until = BlockUntil(deadline);
  while (true) {
    absl::StatusOr<short> events = Advance(reader, true, block_until, now);
    if (!events.ok()) return events.status();
    if (*events == 0) return absl::OkStatus();
    now = absl::InfinitePast();
    // A blocking read that timed out or was interrupted: block again while
    // the deadline allows, else poll for the rest.
    if (*events == POLLIN && block_until != absl::InfinitePast() &&
        absl::Now() < block_until) {
      continue;
    }
    const bool setting_up = phase_ != Phase::kReady;
    if (absl::Status s = WaitReady(
            fd_.get(), *events,
            setting_up ? std::min(deadline, connect_deadline_) : deadline,
            peer_, setting_up ? SetupStep() : "waiting for a reply");
        !s.ok()) {
      return Broken(std::move(s));
    }
  }
}

bool Connection::Reusable() {
  if (!Idle()) return false;
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return false;
  pollfd p{fd_.get(), POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return true;
  if (ssl_ == nullptr) return false;
  // TLS may deliver post-handshake records (session tickets) that carry no
  // application data; drain them and see whether any real byte arrives.
  char byte;
  int rc = SSL_read(ssl_, &byte, 1);
  if (rc > 0) return false;
  int err = SSL_get_error(ssl_, rc);
  ERR_clear_error();
  return err == SSL_ERROR_WANT_READ;
}

void Connection::TrimBuffers() {
  const bool needed = needed_large_;
  needed_large_ = false;
  if (out_.capacity() <= kBaseBytes && in_cap_ <= kBaseBytes) return;
  unneeded_releases_ = needed ? 0 : unneeded_releases_ + 1;
  const bool unneeded = unneeded_releases_ >= kTrimAfterReleases;
  if (unneeded) unneeded_releases_ = 0;
  if (unneeded || out_.capacity() > kKeptBytes) std::string().swap(out_);
  if ((unneeded || in_cap_ > kKeptBytes) && in_begin_ == in_end_) {
    in_.reset();
    in_cap_ = in_begin_ = in_end_ = 0;
  }
}

}  // namespace kivi::net
