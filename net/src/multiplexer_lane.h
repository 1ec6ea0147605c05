#ifndef KIVI_NET_SRC_MULTIPLEXER_LANE_H_
#define KIVI_NET_SRC_MULTIPLEXER_LANE_H_

// One connection of a Multiplexer and the requests on it (private to
// multiplexer*.cc).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kivi/net/connection.h"
#include "kivi/net/multiplexer.h"

namespace kivi::net {

// The lane whose I/O role the current thread holds (null: none), so that a
// synchronous call made from a callback keeps driving it.
extern thread_local void* t_held_lane;

// Guarded by a std::mutex for the reason given in pool.h.
struct Multiplexer::Lane {
  enum class Holder { kNone, kCaller, kThread };

  std::mutex mu;
  // The reader thread waits here for its turn.
  std::condition_variable wake;
  // Who holds the I/O role. Guarded by mu.
  Holder holder = Holder::kNone;
  // Submitted, not yet written. Guarded by mu.
  std::deque<Ref> queued;
  bool thread_turn = false;  // Guarded by mu.
  bool stop = false;         // Guarded by mu.
  std::thread thread;        // Started under mu.

  // Touched only by the I/O role's holder.
  std::deque<Ref> inflight;  // Written, in stream order.
  std::unique_ptr<Connection> conn;
  // Reused, so that an uncontended call allocates nothing: the requests
  // being written (Drive) and the bytes of a CallIfIdle request.
  std::vector<Ref> batch;
  std::string bytes;
  bool fresh = false;  // Opened, nothing written on it yet.
  // The requests in flight were written on a connection that had waited
  // idle, and no reply has come since (see Connection::DiedWhileIdle).
  bool idle_run = false;

  // Read without mu by PickLane and the reader of replies.
  std::atomic<size_t> queued_size{0};
  // Requests on the lane (queued or in flight): +1 when queued, -1 when
  // they leave it.
  std::atomic<int> load{0};
  std::atomic<bool> busy{false};
  std::atomic<bool> connected{false};

  // Under mu, after `queued` changed.
  void SyncCounts() {
    queued_size.store(queued.size(), std::memory_order_relaxed);
  }
  // A request left the lane for good (completed, failed, given up).
  void Left(int n = 1) { load.fetch_sub(n, std::memory_order_relaxed); }
  void SetHolder(Holder h) {
    holder = h;
    busy.store(h != Holder::kNone, std::memory_order_relaxed);
  }
  // Under mu: gives the I/O role to the reader thread, starting it first.
  template <typename Body>
  void WakeThreadLocked(Body body) {
    SetHolder(Holder::kThread);
    thread_turn = true;
    if (!thread.joinable()) {
      thread = std::thread(std::move(body));
    } else {
      wake.notify_one();
    }
  }
};

}  // namespace kivi::net

#endif  // KIVI_NET_SRC_MULTIPLEXER_LANE_H_
