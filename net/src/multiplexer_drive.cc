// Multiplexer::Drive: the I/O loop run by whoever holds a lane's I/O role
// (writes queued requests, reads replies in stream order, enforces the
// requests' deadlines, retires a connection that may be out of sync).

#include <poll.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kivi/net/multiplexer.h"
#include "kivi/net/socket.h"
#include "src/multiplexer_lane.h"

namespace kivi::net {

// Feeds the lane's stream to the oldest request's reader, completing
// requests as their replies end. Done when `own`'s reply is in, when
// requests are queued to be written, or when nothing is in flight.
class Multiplexer::Demux : public ReplyReader {
 public:
  Demux(Multiplexer& mux, Lane& lane, MuxRequest* own,
        std::vector<Ref>* deliver)
      : mux_(mux), lane_(lane), own_(own), deliver_(deliver) {}

  absl::StatusOr<bool> Consume(absl::string_view in,
                               size_t* consumed) override {
    size_t total = 0;
    while (true) {
      *consumed = total;
      if (lane_.inflight.empty()) {
        if (total < in.size()) {
          return absl::DataLossError("bytes that no request asked for");
        }
        return true;
      }
      size_t used = 0;
      absl::StatusOr<bool> done =
          lane_.inflight.front()->reader().Consume(in.substr(total), &used);
      total += used;
      *consumed = total;
      if (!done.ok()) return done.status();
      if (!*done) return false;
      Ref ref = std::move(lane_.inflight.front());
      lane_.inflight.pop_front();
      lane_.Left();
      lane_.idle_run = false;
      if (lane_.inflight.empty()) lane_.conn->set_pooled();
      if (!mux_.Complete(lane_, ref, own_, absl::OkStatus(), deliver_)) {
        return absl::DataLossError(
            "a reply shows the stream can no longer be trusted");
      }
      if (ref.get() == own_ ||
          lane_.queued_size.load(std::memory_order_relaxed) > 0) {
        return true;
      }
    }
  }

 private:
  Multiplexer& mux_;
  Lane& lane_;
  MuxRequest* const own_;
  std::vector<Ref>* const deliver_;
};

namespace {

void RunDeliveries(std::vector<std::shared_ptr<MuxRequest>>* deliver) {
  for (const std::shared_ptr<MuxRequest>& r : *deliver) r->Deliver();
  deliver->clear();
}

}  // namespace

bool Multiplexer::Complete(Lane& lane, const Ref& ref, MuxRequest* own,
                           const absl::Status& status,
                           std::vector<Ref>* deliver) {
  MuxRequest* r = ref.get();
  if (r == own) {
    if (r->state_ == State::kAbandoned) return true;
    r->status_ = status;
    r->state_ = State::kDone;
    return r->Finish(status);
  }
  if (!r->sync_) {
    // Only holders touch an asynchronous request once it is queued.
    if (r->state_ == State::kAbandoned || r->state_ == State::kDone) {
      return true;
    }
    r->state_ = State::kDone;
    const bool in_sync = r->Finish(status);
    deliver->push_back(ref);
    return in_sync;
  }
  // A waiting caller: Finish runs under the lane's mutex, so the caller
  // cannot give up meanwhile (Finish is short and never blocks); it is
  // woken after the mutex is released, so it does not wake only to wait
  // for it. `ref` keeps its condition variable alive.
  bool in_sync;
  {
    std::lock_guard<std::mutex> lock(lane.mu);
    if (r->state_ == State::kAbandoned) return true;
    in_sync = r->Finish(status);
    r->status_ = status;
    r->state_ = State::kDone;
  }
  r->cv_.notify_one();
  return in_sync;
}

void Multiplexer::Retire(Lane& lane, const absl::Status& status,
                         MuxRequest* own, std::vector<Ref>* deliver) {
  // The server closed a connection that had waited idle without answering
  // anything: an idempotent request may go again (see DiedWhileIdle).
  const bool died_idle =
      lane.idle_run && lane.conn != nullptr && lane.conn->DiedWhileIdle();
  Drop(lane);
  std::deque<Ref> written;
  written.swap(lane.inflight);
  std::vector<Ref> failed;
  {
    std::lock_guard<std::mutex> lock(lane.mu);
    std::vector<Ref> resend;
    for (Ref& ref : written) {
      if (died_idle && ref->idempotent_ && !ref->resent_ &&
          ref->state_ == State::kWritten) {
        ref->resent_ = true;
        ref->state_ = State::kQueued;
        resend.push_back(std::move(ref));
      } else {
        failed.push_back(std::move(ref));
      }
    }
    lane.queued.insert(lane.queued.begin(), resend.begin(), resend.end());
    lane.SyncCounts();
  }
  lane.Left(static_cast<int>(failed.size()));
  const absl::Time now = absl::Now();
  for (const Ref& ref : failed) {
    absl::Status why = status;
    if (ref->deadline_ <= now) {
      why = absl::DeadlineExceededError(
          absl::StrCat(peer_, ": timed out waiting for a reply"));
    }
    Complete(lane, ref, own, why, deliver);
  }
}

void Multiplexer::Drop(Lane& lane) {
  if (lane.conn != nullptr) {
    // Requests may be in flight on it: never reusable.
    lane.conn->MarkBroken();
    if (options_.pool != nullptr) {
      options_.pool->Release(std::move(lane.conn));
    } else {
      lane.conn.reset();
    }
  }
  lane.connected.store(false, std::memory_order_relaxed);
  lane.fresh = false;
  lane.idle_run = false;
}

void Multiplexer::Connect(Lane& lane, MuxRequest* own,
                          std::vector<Ref>* deliver) {
  // By the earliest deadline of the requests waiting (Open bounds it by
  // connect_timeout too), so that none of them waits past its own; the
  // others, failed with the connect error, would have had one attempt of
  // their own alike.
  absl::Time deadline = absl::InfiniteFuture();
  {
    std::lock_guard<std::mutex> lock(lane.mu);
    for (const Ref& ref : lane.queued) {
      deadline = std::min(deadline, ref->deadline_);
    }
  }
  // A pooled connection that waited idle is not polled for liveness here:
  // an idempotent request finds out by sending (DiedWhileIdle) and any
  // other gets the poll before it is written.
  bool opened = true;
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      options_.pool != nullptr
          ? options_.pool->Acquire(deadline, &opened,
                                   ConnectionPool::Check::kNone)
          : Connection::Open(endpoint_, connect_, deadline);
  absl::Status status = conn.status();
  if (status.ok() && opened && options_.on_connect != nullptr) {
    status = options_.on_connect(**conn, deadline);
  }
  if (status.ok()) {
    lane.conn = *std::move(conn);
    lane.fresh = opened;
    lane.idle_run = false;
    lane.connected.store(true, std::memory_order_relaxed);
    return;
  }
  if (conn.ok() && options_.pool != nullptr) {
    (*conn)->MarkBroken();
    options_.pool->Release(*std::move(conn));
  }
  std::deque<Ref> waiting;
  {
    std::lock_guard<std::mutex> lock(lane.mu);
    waiting.swap(lane.queued);
    lane.SyncCounts();
  }
  lane.Left(static_cast<int>(waiting.size()));
  for (const Ref& ref : waiting) Complete(lane, ref, own, status, deliver);
}

void Multiplexer::Drive(Lane& lane, MuxRequest* own, bool nested) {
  void* const outer = t_held_lane;
  t_held_lane = &lane;
  std::vector<Ref> deliver;
  // Empty whenever a nested Drive (from RunDeliveries) may use it.
  std::vector<Ref>& batch = lane.batch;
  Demux demux(*this, lane, own, &deliver);
  while (true) {
    // Read only when some request is on the lane (the clock costs as much
    // as a fifth of an uncontended call); else nothing below uses it.
    absl::Time now = absl::InfinitePast();
    bool stuck = false;
    bool connect = false;
    bool leave = false;
    {
      std::lock_guard<std::mutex> lock(lane.mu);
      if (!lane.queued.empty() || !lane.inflight.empty()) now = absl::Now();
      // Requests whose deadline passed before they were written.
      for (auto it = lane.queued.begin(); it != lane.queued.end();) {
        MuxRequest* r = it->get();
        if (r->deadline_ > now) {
          ++it;
          continue;
        }
        const absl::Status late = absl::DeadlineExceededError(
            absl::StrCat(peer_, ": timed out waiting for a reply"));
        r->status_ = late;
        r->state_ = State::kDone;
        if (!r->sync_) {
          r->Finish(late);
          deliver.push_back(*it);
        } else if (r != own) {
          r->cv_.notify_one();
        }
        it = lane.queued.erase(it);
        lane.Left();
      }
      lane.SyncCounts();
      // Requests in flight: one past its deadline is given up (its reader
      // stays to consume the reply); if it is the oldest, the server has
      // not answered in time and the connection is retired.
      for (size_t i = 0; i < lane.inflight.size(); ++i) {
        MuxRequest* r = lane.inflight[i].get();
        if (r->deadline_ > now) continue;
        if (i == 0) stuck = true;
        if (r->state_ != State::kWritten) continue;
        if (r == own) {
          r->status_ = absl::DeadlineExceededError(
              absl::StrCat(peer_, ": timed out waiting for a reply"));
          r->state_ = State::kAbandoned;
        } else if (!r->sync_) {
          r->state_ = State::kAbandoned;
          r->Finish(absl::DeadlineExceededError(
              absl::StrCat(peer_, ": timed out waiting for a reply")));
          deliver.push_back(lane.inflight[i]);
        }
      }
      const bool own_done =
          own != nullptr &&
          (own->state_ == State::kDone || own->state_ == State::kAbandoned);
      if (!stuck) {
        if (own_done ||
            (own == nullptr && lane.queued.empty() && lane.inflight.empty())) {
          if (!nested) HandOffLocked(lane, own);
          leave = true;
        } else if (lane.conn == nullptr) {
          connect = !lane.queued.empty();
        } else {
          for (Ref& ref : lane.queued) {
            ref->state_ = State::kWritten;
            batch.push_back(std::move(ref));
          }
          lane.queued.clear();
          lane.queued_size.store(0, std::memory_order_relaxed);
        }
      }
    }
    if (leave) break;
    if (stuck) {
      Retire(lane,
             absl::UnavailableError(absl::StrCat(
                 peer_,
                 ": connection closed: an earlier request on it timed out")),
             own, &deliver);
      RunDeliveries(&deliver);
      continue;
    }
    if (connect) {
      Connect(lane, own, &deliver);
      RunDeliveries(&deliver);
      continue;
    }
    if (!batch.empty()) {
      const bool was_idle = lane.inflight.empty();
      bool must_check = false;
      for (const Ref& ref : batch) must_check |= !ref->idempotent_;
      // A request that must not be sent twice goes on a connection that is
      // known alive (one poll, as the pool checks), not one the server may
      // have closed while it was idle.
      if (was_idle && !lane.fresh && must_check && !lane.conn->Reusable()) {
        Drop(lane);
        std::lock_guard<std::mutex> lock(lane.mu);
        for (Ref& ref : batch) ref->state_ = State::kQueued;
        lane.queued.insert(lane.queued.begin(), batch.begin(), batch.end());
        lane.SyncCounts();
        batch.clear();
        continue;
      }
      std::string* out = lane.conn->request();
      for (Ref& ref : batch) {
        if (lane.fresh) {
          absl::Status ok = ref->CheckOnNewConnection();
          if (!ok.ok()) {
            lane.Left();
            Complete(lane, ref, own, ok, &deliver);
            continue;
          }
        }
        out->append(*ref->bytes_);
        lane.inflight.push_back(std::move(ref));
      }
      batch.clear();
      lane.fresh = false;
      if (was_idle) lane.idle_run = true;
    }
    if (lane.inflight.empty()) {
      RunDeliveries(&deliver);
      continue;
    }
    // Wake for the earliest deadline that still matters: the oldest
    // request's (past it, the connection is retired) and any later one not
    // yet past (those past it were given up above). States are not read
    // here: a waiting caller changes its own under the lane's mutex.
    absl::Time wake = lane.inflight.front()->deadline_;
    for (const Ref& ref : lane.inflight) {
      if (ref->deadline_ > now) wake = std::min(wake, ref->deadline_);
    }
    const absl::Time block_until = lane.conn->BlockUntil(wake);
    absl::StatusOr<short> events = lane.conn->Pump(demux, block_until, now);
    if (!events.ok()) {
      Retire(lane, events.status(), own, &deliver);
    } else if (*events != 0 &&
               !(*events == POLLIN && block_until != absl::InfinitePast() &&
                 absl::Now() < block_until)) {
      // A timeout is handled at the top of the loop.
      (void)WaitReady(lane.conn->fd(), *events, wake, peer_,
                      "waiting for a reply");
    }
    RunDeliveries(&deliver);
  }
  RunDeliveries(&deliver);
  t_held_lane = outer;
}

}  // namespace kivi::net
