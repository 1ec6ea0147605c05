#ifndef KIVI_NET_MULTIPLEXER_H_
#define KIVI_NET_MULTIPLEXER_H_

// Multiplexed connections to one server: many callers' requests share a few
// connections, each carrying many requests in flight, and the requests that
// concurrent callers queue are written together (one write per batch of
// callers), so a system-call pair on each side is paid once per batch
// instead of once per request.
//
// Design: leader/follower per connection ("lane"), no dedicated I/O thread
// on the synchronous path.
//  - A caller that finds the lane's I/O free takes the I/O role (leader):
//    it writes every queued request, then reads replies, completing other
//    callers' requests in stream order as they arrive, until its own reply
//    is in. With one caller this is exactly Connection::Exchange: a send and
//    a blocking recv on the caller's own thread, no thread hop.
//  - A caller that finds the I/O role taken queues its request (follower)
//    and waits on its own condition variable. The leader writes queued
//    requests each time a read wakes it, so callers that arrive while a
//    reply is on its way go out together in one write.
//  - When its own reply is in, the leader hands the I/O role to a waiting
//    synchronous caller (which then reads its own reply on its own thread),
//    or, when only asynchronous requests remain, to the lane's reader
//    thread (started on the first asynchronous request), or releases it.
//  - Submit (asynchronous) never blocks: it queues the request and, if no
//    one holds the I/O role, wakes the lane's reader thread to take it.
//  - Whoever holds the role also opens the lane's connection when it has
//    none (so an asynchronous request's connect runs on the reader thread),
//    and runs asynchronous requests' Deliver (their callbacks) between
//    reads, on its own thread; a synchronous call made from a callback
//    keeps driving the lane it holds until its own reply is in.
// Why this shape: a dedicated I/O thread would cost every synchronous call
// two thread hops (and a wake-up each), which is most of a loopback round
// trip; leader/follower costs nothing uncontended and coalesces writes
// under contention.
//
// Replies are matched in order: the lane feeds its byte stream to the
// ReplyReader of the oldest request in flight. A protocol that tags
// requests (memcached's opaque) checks the tag in its reader; a mismatch,
// or any malformed reply, is a Consume error, and the lane's connection is
// retired.
//
// Deadlines: every request keeps its own. A request that times out is
// DeadlineExceeded naming the peer. If it was already written, its reader
// stays in the lane's queue and consumes the reply when (if) it comes; the
// reply is dropped, never delivered to another request. When the oldest
// request in flight passes its deadline unanswered, the connection is
// stuck and is retired.
//
// Retiring a connection closes it. Requests on it that were written fail
// with the connection's error (Unavailable naming the peer), or
// DeadlineExceeded if their own deadline has passed; an idempotent request
// whose connection the server closed before answering anything, after the
// connection had waited idle, is sent once more on a new connection (see
// Connection::DiedWhileIdle). Requests not yet written move to the lane's
// next connection. A reply is never delivered to a request it does not
// belong to.
//
// Thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kivi/net/connection.h"
#include "kivi/net/pool.h"
#include "kivi/net/socket.h"

namespace kivi::net {

class Multiplexer;

// One request on a multiplexed connection. The protocol subclasses it with
// its reader and what to do with the reply. Shared by the caller and the
// multiplexer (std::shared_ptr), so that a reader outlives a caller that
// gave up on it.
class MuxRequest {
 public:
  // `bytes`: the encoded request (one or more commands whose replies
  // `reader()` consumes). `idempotent`: the server executing it twice
  // leaves the same state, so it may be sent again after the server closed
  // an idle connection under it without answering.
  MuxRequest(absl::Time deadline, bool idempotent)
      : deadline_(deadline), idempotent_(idempotent) {}
  virtual ~MuxRequest() = default;
  MuxRequest(const MuxRequest&) = delete;
  MuxRequest& operator=(const MuxRequest&) = delete;

  // The encoded request; fill before Call or Submit (CallIfIdle points it
  // at a buffer of its own before `encode` fills it).
  std::string* bytes() { return bytes_; }
  absl::Time deadline() const { return deadline_; }

  // Consumes this request's reply, in stream order.
  virtual ReplyReader& reader() = 0;

  // Called before the request is first written on a newly opened
  // connection (after MultiplexerOptions::on_connect): a non-OK status
  // fails the request with it, unsent (e.g. a value over a limit the new
  // connection just learnt).
  virtual absl::Status CheckOnNewConnection() { return absl::OkStatus(); }

  // The outcome, called at most once, by the thread holding the lane's I/O
  // role. OK: reader() finished; its views into the connection's buffer are
  // valid only during the call. Else why the request failed: Unavailable or
  // DeadlineExceeded naming the peer, or on_connect's error. Returns false
  // when the reply shows the stream can no longer be trusted (the
  // connection is then retired). Must not block.
  //
  // Asynchronous requests (Submit) always get it. A synchronous one (Call)
  // gets it unless Call returned DeadlineExceeded first, and never after
  // Call returned.
  virtual bool Finish(const absl::Status& status) = 0;

  // Asynchronous requests only: called once after Finish, on the same
  // thread but outside the connection's I/O, so it may run user code
  // (callbacks that start further calls, synchronous ones included).
  virtual void Deliver() {}

 private:
  friend class Multiplexer;
  enum class State { kQueued, kWritten, kDone, kAbandoned };

  std::string own_bytes_;
  std::string* bytes_ = &own_bytes_;
  const absl::Time deadline_;
  const bool idempotent_;
  // Guarded by the lane's mutex while a follower may look at them.
  State state_ = State::kQueued;
  bool sync_ = false;
  bool promoted_ = false;  // Handed the I/O role.
  bool resent_ = false;    // Already sent again once.
  absl::Status status_;    // What Finish was given (sync).
  std::condition_variable cv_;
};

struct MultiplexerOptions {
  // Connections to the server, opened as load needs them (an idle lane is
  // reused first). At least 1.
  int connections = 2;
  // Run on each new connection before its first request (e.g. learning a
  // server limit), by `deadline`. A failure fails the requests waiting for
  // that connection.
  std::function<absl::Status(Connection&, absl::Time deadline)> on_connect;
  // Null: the multiplexer opens its own connections. Else a lane borrows
  // its connection from this pool (counted in its max_conns, so that bound
  // holds for every connection to the server) when requests arrive, and
  // returns it as soon as none is left, so the pool's other users (batches)
  // share the connections. Must outlive the multiplexer.
  ConnectionPool* pool = nullptr;
};

class Multiplexer {
 public:
  Multiplexer(Endpoint endpoint, ConnectOptions connect,
              MultiplexerOptions options);
  // Waits for asynchronous requests in flight to finish (each by its
  // deadline), then stops the reader threads. No Call or Submit may start
  // meanwhile.
  ~Multiplexer();
  Multiplexer(const Multiplexer&) = delete;
  Multiplexer& operator=(const Multiplexer&) = delete;

  // Sends `request` and waits for its outcome: OK once Finish ran with OK;
  // else the failure Finish was given, or DeadlineExceeded naming the peer
  // when the deadline passed first (Finish then never runs).
  absl::Status Call(const std::shared_ptr<MuxRequest>& request);

  // The uncontended synchronous path, without allocating: when a lane is
  // idle (no one holds its I/O role, no request queued or in flight) and
  // this thread holds none of this multiplexer's lanes, takes that lane's
  // I/O role, has `encode` fill request.bytes() (a buffer the lane reuses)
  // and exchanges the request on this thread with Connection::Exchange
  // (one send, one blocking receive), with the outcomes Call would give;
  // sets `*status` to what Call would return and returns true. Else
  // returns false at once, without calling `encode`: the caller then uses
  // Call. `request` may live on the caller's stack: it is never queued, so
  // nothing refers to it once this returns. Requests that others queue on
  // the lane meanwhile wait for its reply, as they would behind a reply
  // that Call's holder is reading. `now`: the current time as the caller
  // just read it (InfinitePast: unknown), sparing a clock read.
  bool CallIfIdle(MuxRequest& request, absl::Time now,
                  absl::FunctionRef<void(std::string*)> encode,
                  absl::Status* status);

  // Queues `request` without blocking; Finish and Deliver run later on a
  // thread kivi owns (the lane's reader thread, or a caller that holds the
  // I/O role for its own synchronous call).
  void Submit(std::shared_ptr<MuxRequest> request);

  // A tag for a request: distinct from those of the last 2^32 requests
  // through this multiplexer, on any of its connections.
  uint32_t NextRequestId() {
    return next_id_.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  // "<label> <host:port>".
  const std::string& peer() const { return peer_; }

  // Connections held now.
  int open_connections() const;

 private:
  struct Lane;
  class Demux;
  using Ref = std::shared_ptr<MuxRequest>;
  using State = MuxRequest::State;

  Lane& PickLane();
  // Puts `request` on `lane`; true when the caller takes the I/O role.
  bool Enqueue(Lane& lane, const Ref& request);
  // Holds `lane`'s I/O role: writes, reads and completes requests until
  // `own` (null: until nothing is left) is done, then hands the role on
  // (unless `nested`: the caller already held it).
  void Drive(Lane& lane, MuxRequest* own, bool nested);
  // The outcome of `r` (see MuxRequest::Finish); false if the stream is no
  // longer trusted. Asynchronous requests are added to `deliver`.
  bool Complete(Lane& lane, const Ref& r, MuxRequest* own,
                const absl::Status& status, std::vector<Ref>* deliver);
  // Closes the lane's connection (or gives it back to the pool to close).
  void Drop(Lane& lane);
  // Drops the lane's connection; see the file comment for what happens to
  // the requests on it.
  void Retire(Lane& lane, const absl::Status& status, MuxRequest* own,
              std::vector<Ref>* deliver);
  // Opens (or borrows) the lane's connection for the queued requests; on
  // failure they fail with its error.
  void Connect(Lane& lane, MuxRequest* own, std::vector<Ref>* deliver);
  // Under the lane's mutex, by the holder giving up the I/O role: to a
  // waiting synchronous caller, else the reader thread if requests remain,
  // else no one.
  void HandOffLocked(Lane& lane, MuxRequest* own);
  void ReaderThread(Lane& lane);
  // CallIfIdle's exchange, holding the I/O role of `lane`, which nothing
  // else is on: Connection::Exchange on this thread.
  absl::Status CallAlone(Lane& lane, MuxRequest& request, absl::Time now);

  const Endpoint endpoint_;
  const ConnectOptions connect_;
  const MultiplexerOptions options_;
  const std::string peer_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<uint32_t> next_id_{0};
};

}  // namespace kivi::net

#endif  // KIVI_NET_MULTIPLEXER_H_
