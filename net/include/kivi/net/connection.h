#ifndef KIVI_NET_CONNECTION_H_
#define KIVI_NET_CONNECTION_H_

// One connection to one server: a socket (optionally TLS), a
// request buffer written with as few writes as the kernel allows (one per
// request or pipelined batch), and one reusable read buffer that replies are
// parsed from in place.
//
// Writes never block. A plain TCP connection waits for its reply in a
// blocking recv(2) bounded by SO_RCVTIMEO when the deadline is far enough,
// so that a request costs two system calls (send, recv) instead of four
// (send, recv that would block, poll, recv); close to the deadline, and
// always with TLS, it polls.
//
// A connection that timed out, saw a malformed reply or any I/O error is
// marked broken and must be closed, never reused: its byte stream may hold
// the tail of a reply that belongs to nobody.
//
// Not thread-safe: one user at a time (the pool hands it out exclusively).

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kivi/net/socket.h"
#include "kivi/net/tls.h"

namespace kivi::net {

// Consumes the replies of one exchange from the front of the read buffer.
class ReplyReader {
 public:
  virtual ~ReplyReader() = default;

  // Parses as many whole replies as `in` holds, sets `*consumed` to the
  // bytes they span and returns true once the exchange's last reply was
  // consumed. A non-OK status means the stream cannot be trusted any more
  // (malformed reply): the connection is then broken and the exchange fails
  // with Unavailable naming the server and quoting the status message.
  virtual absl::StatusOr<bool> Consume(absl::string_view in,
                                       size_t* consumed) = 0;
};

// The first exchange on every new connection, before it is used:
// authentication, protocol selection. One object per connection.
class Greeting : public ReplyReader {
 public:
  // Appends the greeting's request (one write; pipeline several commands
  // if the protocol needs more than one).
  virtual void Encode(std::string* request) = 0;
  // Called once Consume returned true: OK when the connection may be used;
  // otherwise why not (Unauthenticated for refused credentials), naming
  // `peer` ("<label> <host:port>"), and the connection is closed.
  virtual absl::Status Finish(absl::string_view peer) = 0;
};

// How new connections are set up.
struct ConnectOptions {
  // The protocol's name, which starts every message about a peer:
  // "<label> <host:port>: ..." (e.g. "memcached 10.0.0.1:11211: timed out").
  std::string label;
  absl::Duration connect_timeout = absl::Seconds(1);
  // Null: plain TCP.
  std::shared_ptr<const TlsContext> tls;
  // Null: no greeting. Else called once per new connection for the
  // greeting to run after TCP (and TLS) are up, within the connect
  // deadline.
  std::function<std::unique_ptr<Greeting>()> greeting;
  // How long one blocking read of a plain TCP connection may wait
  // (SO_RCVTIMEO). An exchange reads this way only while its deadline is at
  // least this far away (plus the kernel timer's granularity), so a blocking
  // read never outlasts a deadline; then it polls. Zero: always poll.
  absl::Duration blocking_read_timeout = absl::ZeroDuration();
};

class Connection {
 public:
  // Connects to `endpoint`, completes the TLS handshake and the greeting
  // when configured, all before min(`deadline`, now + connect_timeout).
  // Unavailable or DeadlineExceeded naming the peer; the greeting's own
  // error (e.g. Unauthenticated) when it refuses the connection.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const Endpoint& endpoint, const ConnectOptions& options,
      absl::Time deadline);

  // Starts connecting to `endpoint` without waiting for it: the result is
  // still being set up (connecting()) unless that failed at once
  // (Unavailable naming the peer: unknown host, refused). Its first
  // exchange (Exchange, Step, RunExchanges) completes the setup as Open
  // does, by the same connect deadline (DeadlineExceeded "timed out
  // connecting" past it; the exchange fails with the setup's error), then
  // sends the request. So one poll loop connects to many servers at once,
  // and a server that takes no connection costs only its own exchange.
  static absl::StatusOr<std::unique_ptr<Connection>> Start(
      const Endpoint& endpoint, const ConnectOptions& options,
      absl::Time deadline);

  // True until the setup (TCP, TLS, greeting) of a Start()ed connection
  // has completed.
  bool connecting() const { return phase_ != Phase::kReady; }
  // When the setup must have completed; InfiniteFuture once it has.
  absl::Time connect_deadline() const { return connect_deadline_; }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // "host:port".
  const std::string& server() const { return server_; }
  // "<label> <host:port>", which starts every message about this peer.
  const std::string& peer() const { return peer_; }
  int fd() const { return fd_.get(); }

  // The pending request bytes. Append encoded commands, then run an exchange
  // (Exchange() here, or RunExchanges for many connections at once).
  std::string* request() { return &out_; }

  // Sends the pending request and feeds replies to `reader` until it is
  // done or `deadline` passes. On any failure the connection is broken.
  absl::Status Exchange(ReplyReader& reader, absl::Time deadline) {
    return Exchange(reader, deadline, absl::InfinitePast());
  }
  // The same, given the current time `now` as the caller just read it (for
  // the first decision whether a read may block, sparing a clock read);
  // InfinitePast: unknown.
  absl::Status Exchange(ReplyReader& reader, absl::Time deadline,
                        absl::Time now);

  // One non-blocking step of an exchange: writes what the socket takes,
  // then, if `read`, reads what has arrived and feeds it to `reader`.
  // Returns 0 when the reader is done, else the poll events to wait for
  // (POLLIN at least). An error breaks the connection. Stepping with
  // `read` false right after a request skips a read that could only find
  // nothing yet.
  absl::StatusOr<short> Step(ReplyReader& reader, bool read = true);

  // For a caller that keeps many requests in flight and waits itself
  // (net::Multiplexer): writes what the socket takes, feeds `reader` the
  // reply bytes already buffered, then reads and feeds until `reader` is
  // done or nothing more has arrived. A read blocks (see BlockUntil) while
  // the time is before `block_until`; `now` as for Exchange. Returns as
  // Step does.
  absl::StatusOr<short> Pump(ReplyReader& reader, absl::Time block_until,
                             absl::Time now);

  // The latest time at which a read may block and still end by `deadline`;
  // InfinitePast when reads never block (TLS, or no blocking_read_timeout).
  absl::Time BlockUntil(absl::Time deadline) const;

  // True when the last exchange (Exchange, or Steps since the request was
  // appended) failed because the server closed or reset a connection that
  // had waited in the pool, before any byte of a reply arrived: the server
  // never answered, so it was dead before the request was sent (memcached
  // restarted, idle timeout) or went away before replying, and an
  // idempotent request may be sent again.
  bool DiedWhileIdle() const { return pooled_ && closed_before_reply_; }

  // Marks the connection as having served requests and waited in the pool
  // since; called by the pool.
  void set_pooled() { pooled_ = true; }

  // For an exchange that ended OK: OK when nothing follows the reply in the
  // stream. One request is in flight per connection, so a further byte was
  // never asked for: the stream is corrupt, and so may be the reply. Then
  // the connection is broken and the result Unavailable.
  absl::Status CheckNothingFollows();

  // A number that differs from those of this connection's last 2^32
  // requests, for the opaque flag that ties a reply to its request.
  uint32_t NextRequestId() { return ++requests_; }

  // Marks the stream as untrustworthy (e.g. a deadline passed mid-reply).
  void MarkBroken() { broken_ = true; }

  // True when the stream is in a clean state: not broken, no unsent bytes,
  // no unread reply bytes. Cheap (no syscall).
  bool Idle() const {
    return !broken_ && phase_ == Phase::kReady && out_.empty() &&
           in_begin_ == in_end_;
  }

  // Idle(), and the server has not closed the connection or sent anything
  // unasked meanwhile (one poll(2) with zero timeout).
  bool Reusable();

  // Before pooling: releases buffer memory grown by large values once it
  // has gone unused for a while, or at once when very large.
  void TrimBuffers();

 private:
  // The setup of a new connection, in order; then kReady.
  enum class Phase { kTcp, kTls, kGreeting, kReady };

  Connection(std::string server, absl::string_view label);

  // Connection setup (connection_setup.cc). Establish advances it as far
  // as it goes without waiting: 0 once ready, else the poll events to wait
  // for. An error breaks the connection.
  absl::StatusOr<short> Establish();
  // Connects to addresses_[i], or the first after it that does not fail at
  // once; `last` is the error to report when none is left.
  absl::Status ConnectFrom(size_t i, absl::Status last);
  absl::StatusOr<bool> StepTls(short* want);
  absl::StatusOr<bool> StepGreeting(short* want);
  absl::Status BecomeReady();
  // What the setup is waiting for, for timeout messages.
  absl::string_view SetupStep() const;

  // Feeds buffered reply bytes to `reader`; true once it is done.
  absl::StatusOr<bool> Feed(ReplyReader& reader);
  // Makes reads blocking, each bounded by `timeout` (plain TCP only).
  absl::Status EnableBlockingReads(absl::Duration timeout);
  // Writes pending bytes; sets *want to the events needed to continue.
  absl::Status WriteSome(short* want);
  // Reads what is available into the buffer; sets *want as above. With
  // `block` (blocking reads enabled), waits up to the receive timeout for
  // the first byte.
  absl::Status ReadSome(short* want, bool block);
  // Writes, then (if `read`) reads and feeds `reader` until it is done or
  // nothing more has arrived. Once the request is out, reads block while
  // the time is before `block_until` (InfinitePast: never); `now` is the
  // time for the first such check, InfinitePast: read the clock.
  absl::StatusOr<short> Advance(ReplyReader& reader, bool read,
                                absl::Time block_until, absl::Time now);
  absl::Status Broken(absl::Status status);
  // Broken, and remembered as a close before any reply byte if so.
  absl::Status PeerClosed(absl::Status status);

  UniqueFd fd_;
  SSL* ssl_ = nullptr;
  std::string server_;
  std::string peer_;
  bool broken_ = false;

  // Setup state, used until phase_ is kReady.
  Phase phase_ = Phase::kReady;
  absl::Time connect_deadline_ = absl::InfiniteFuture();
  std::vector<SocketAddress> addresses_;
  size_t address_ = 0;  // The one being connected to.
  std::string host_;
  std::shared_ptr<const TlsContext> tls_;
  std::unique_ptr<Greeting> greeting_;
  bool greeting_sent_ = false;
  // The caller's request, held back while the greeting's goes out.
  std::string held_request_;
  absl::Duration blocking_read_timeout_;

  bool pooled_ = false;
  uint32_t requests_ = 0;
  // Plain TCP with blocking reads: the socket is in blocking mode, every
  // write and every non-blocking read passes MSG_DONTWAIT.
  bool blocking_reads_ = false;
  // The receive timeout plus the kernel timer's slack.
  absl::Duration block_margin_;
  // Since the current request started: whether any reply byte arrived;
  // whether the server closed the connection before one did.
  bool got_reply_bytes_ = false;
  bool closed_before_reply_ = false;
  // Since the last TrimBuffers: whether a buffer beyond the base size was
  // needed; and how many releases in a row have not needed one.
  bool needed_large_ = false;
  int unneeded_releases_ = 0;

  std::string out_;
  size_t out_sent_ = 0;

  std::unique_ptr<char[]> in_;
  size_t in_cap_ = 0;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
};

}  // namespace kivi::net

#endif  // KIVI_NET_CONNECTION_H_
