// Multiplexer: lanes, callers' turns (leader/follower) and the reader
// threads. The I/O loop that a turn runs is in multiplexer_drive.cc.

#include "kivi/net/multiplexer.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/multiplexer_lane.h"

namespace kivi::net {

thread_local void* t_held_lane = nullptr;

Multiplexer::Multiplexer(Endpoint endpoint, ConnectOptions connect,
                         MultiplexerOptions options)
    : endpoint_(std::move(endpoint)),
      connect_(std::move(connect)),
      options_(std::move(options)),
      peer_(absl::StrCat(connect_.label, " ", endpoint_.ToString())) {
  const int n = std::max(1, options_.connections);
  for (int i = 0; i < n; ++i) lanes_.push_back(std::make_unique<Lane>());
}

Multiplexer::~Multiplexer() {
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    {
      std::lock_guard<std::mutex> lock(lane->mu);
      lane->stop = true;
    }
    lane->wake.notify_one();
    if (lane->thread.joinable()) lane->thread.join();
    if (lane->conn != nullptr) Drop(*lane);
  }
}

int Multiplexer::open_connections() const {
  int open = 0;
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    open += lane->connected.load(std::memory_order_relaxed) ? 1 : 0;
  }
  return open;
}

Multiplexer::Lane& Multiplexer::PickLane() {
  // An idle lane first, the lowest (the uncontended case stays on one
  // connection), then the least loaded.
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    if (!lane->busy.load(std::memory_order_relaxed)) return *lane;
  }
  Lane* best = lanes_.front().get();
  int best_load = INT_MAX;
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    const int load = lane->load.load(std::memory_order_relaxed);
    if (load < best_load) {
      best = lane.get();
      best_load = load;
    }
  }
  return *best;
}

bool Multiplexer::Enqueue(Lane& lane, const Ref& request) {
  std::lock_guard<std::mutex> lock(lane.mu);
  request->state_ = MuxRequest::State::kQueued;
  lane.queued.push_back(request);
  lane.SyncCounts();
  lane.load.fetch_add(1, std::memory_order_relaxed);
  if (lane.holder != Lane::Holder::kNone) return false;
  if (request->sync_) {
    lane.SetHolder(Lane::Holder::kCaller);
    return true;
  }
  lane.WakeThreadLocked([this, &lane] { ReaderThread(lane); });
  return false;
}

absl::Status Multiplexer::Call(const Ref& request) {
  MuxRequest& r = *request;
  r.sync_ = true;
  // A callback of an asynchronous request, run by the thread holding one
  // of this multiplexer's lanes, makes a synchronous call: it keeps the
  // role and drives the lane until its reply is in.
  for (const std::unique_ptr<Lane>& held : lanes_) {
    if (held.get() != t_held_lane) continue;
    {
      std::lock_guard<std::mutex> lock(held->mu);
      held->queued.push_back(request);
      held->SyncCounts();
      held->load.fetch_add(1, std::memory_order_relaxed);
    }
    Drive(*held, &r, /*nested=*/true);
    return r.status_;
  }
  Lane& lane = PickLane();
  if (Enqueue(lane, request)) {
    Drive(lane, &r, /*nested=*/false);
    return r.status_;
  }
  std::unique_lock<std::mutex> lock(lane.mu);
  while (true) {
    if (r.state_ == MuxRequest::State::kDone) return r.status_;
    if (r.promoted_) {
      r.promoted_ = false;
      lock.unlock();
      Drive(lane, &r, /*nested=*/false);
      return r.status_;
    }
    if (absl::Now() >= r.deadline_) {
      // Still queued: taken off here. A holder whose connect failed may
      // have taken it off the queue already, to complete it after
      // releasing the mutex (it counts it as left, and Complete skips an
      // abandoned request), so it may not be there.
      if (auto it = std::find(lane.queued.begin(), lane.queued.end(), request);
          r.state_ == MuxRequest::State::kQueued && it != lane.queued.end()) {
        lane.queued.erase(it);
        lane.SyncCounts();
        lane.Left();
      }
      // Written: the reader stays in flight to consume the late reply.
      r.state_ = MuxRequest::State::kAbandoned;
      return absl::DeadlineExceededError(
          absl::StrCat(peer_, ": timed out waiting for a reply"));
    }
    r.cv_.wait_until(lock, absl::ToChronoTime(r.deadline_));
  }
}

bool Multiplexer::CallIfIdle(MuxRequest& request, absl::Time now,
                             absl::FunctionRef<void(std::string*)> encode,
                             absl::Status* status) {
  Lane* idle = nullptr;
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    // A lane this thread holds is never idle; a synchronous call made from
    // a callback keeps driving it (Call).
    if (lane.get() == t_held_lane) return false;
    if (idle == nullptr && !lane->busy.load(std::memory_order_relaxed)) {
      idle = lane.get();
    }
  }
  if (idle == nullptr) return false;
  Lane& lane = *idle;
  {
    std::lock_guard<std::mutex> lock(lane.mu);
    // No one holds the I/O role, so nothing is queued or in flight.
    if (lane.holder != Lane::Holder::kNone) return false;
    lane.SetHolder(Lane::Holder::kCaller);
  }
  // The role is ours: `lane.bytes` is ours to fill, and requests that
  // others queue meanwhile wait for the hand-off below, as they would
  // while a Drive blocks on this request's reply.
  lane.load.fetch_add(1, std::memory_order_relaxed);
  lane.bytes.clear();
  encode(&lane.bytes);
  request.bytes_ = &lane.bytes;
  request.sync_ = true;
  void* const outer = t_held_lane;
  t_held_lane = &lane;
  *status = CallAlone(lane, request, now);
  t_held_lane = outer;
  request.bytes_ = &request.own_bytes_;
  lane.Left();
  std::lock_guard<std::mutex> lock(lane.mu);
  HandOffLocked(lane, &request);
  return true;
}

absl::Status Multiplexer::CallAlone(Lane& lane, MuxRequest& r, absl::Time now) {
  // What Drive does for one request on an idle lane, without its queues:
  // the same outcomes (and Finish calls) for each way the request can end.
  for (bool first = true;; first = false) {
    if (!first || now == absl::InfinitePast()) now = absl::Now();
    if (r.deadline_ <= now) {
      r.state_ = State::kDone;
      return absl::DeadlineExceededError(
          absl::StrCat(peer_, ": timed out waiting for a reply"));
    }
    if (lane.conn == nullptr) {
      bool opened = true;
      bool waited = false;
      absl::StatusOr<std::unique_ptr<Connection>> conn =
          options_.pool != nullptr
              ? options_.pool->Acquire(r.deadline_, &opened,
                                       ConnectionPool::Check::kNone, &waited)
              : Connection::Open(endpoint_, connect_, r.deadline_);
      absl::Status status = conn.status();
      if (status.ok() && opened && options_.on_connect != nullptr) {
        status = options_.on_connect(**conn, r.deadline_);
      }
      if (!status.ok()) {
        if (conn.ok() && options_.pool != nullptr) {
          (*conn)->MarkBroken();
          options_.pool->Release(*std::move(conn));
        }
        r.state_ = State::kDone;
        r.Finish(status);
        return status;
      }
      lane.conn = *std::move(conn);
      lane.fresh = opened;
      lane.idle_run = false;
      lane.connected.store(true, std::memory_order_relaxed);
      if (opened || waited) continue;  // Time passed: check the deadline.
    }
    // A request that must not be sent twice goes on a connection known
    // alive (see Drive).
    if (!lane.fresh && !r.idempotent_ && !lane.conn->Reusable()) {
      Drop(lane);
      continue;
    }
    if (lane.fresh) {
      lane.fresh = false;
      absl::Status ok = r.CheckOnNewConnection();
      if (!ok.ok()) {
        r.state_ = State::kDone;
        r.Finish(ok);
        return ok;
      }
    }
    lane.conn->request()->append(*r.bytes_);
    r.state_ = State::kWritten;
    lane.idle_run = true;
    absl::Status status = lane.conn->Exchange(r.reader(), r.deadline_, now);
    if (!status.ok()) {
      const bool died_idle = lane.conn->DiedWhileIdle();
      Drop(lane);
      if (died_idle && r.idempotent_ && !r.resent_) {
        r.resent_ = true;
        continue;
      }
      r.state_ = State::kDone;
      if (r.deadline_ <= absl::Now()) {
        // Given up, as Drive gives up its own request: no Finish.
        return absl::DeadlineExceededError(
            absl::StrCat(peer_, ": timed out waiting for a reply"));
      }
      r.Finish(status);
      return status;
    }
    lane.idle_run = false;
    lane.conn->set_pooled();
    r.state_ = State::kDone;
    const bool in_sync = r.Finish(absl::OkStatus());
    // Bytes no request asked for: the stream is out of step (the reply,
    // complete before them, stands, as in Drive).
    if (!in_sync || !lane.conn->CheckNothingFollows().ok()) Drop(lane);
    return absl::OkStatus();
  }
}

void Multiplexer::Submit(std::shared_ptr<MuxRequest> request) {
  request->sync_ = false;
  Enqueue(PickLane(), request);
}

void Multiplexer::HandOffLocked(Lane& lane, MuxRequest* own) {
  // A synchronous caller waiting on this lane reads on its own thread from
  // now on, the oldest first (its reply comes first).
  for (const std::deque<Ref>* list : {&lane.inflight, &lane.queued}) {
    for (const Ref& ref : *list) {
      MuxRequest* r = ref.get();
      if (!r->sync_ || r == own) continue;
      if (r->state_ != MuxRequest::State::kQueued &&
          r->state_ != MuxRequest::State::kWritten) {
        continue;
      }
      r->promoted_ = true;
      lane.SetHolder(Lane::Holder::kCaller);
      r->cv_.notify_one();
      return;
    }
  }
  if (!lane.queued.empty() || !lane.inflight.empty()) {
    lane.WakeThreadLocked([this, &lane] { ReaderThread(lane); });
    return;
  }
  if (lane.conn != nullptr) {
    if (options_.pool != nullptr) {
      // Back to the pool while idle, for its other users.
      options_.pool->Release(std::move(lane.conn));
      lane.connected.store(false, std::memory_order_relaxed);
    } else {
      lane.conn->TrimBuffers();
    }
  }
  lane.SetHolder(Lane::Holder::kNone);
}

void Multiplexer::ReaderThread(Lane& lane) {
  std::unique_lock<std::mutex> lock(lane.mu);
  while (true) {
    lane.wake.wait(lock, [&lane] { return lane.thread_turn || lane.stop; });
    if (lane.thread_turn) {
      lane.thread_turn = false;
      lock.unlock();
      Drive(lane, nullptr, /*nested=*/false);
      lock.lock();
      continue;
    }
    return;
  }
}

}  // namespace kivi::net
