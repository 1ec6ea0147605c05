#include "kivi/net/exchange.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kivi/net/socket.h"

namespace kivi::net {
namespace {

// Records the outcome of a step; true while the task still waits for
// `*events`.
bool Settle(ExchangeTask& task, const absl::StatusOr<short>& events) {
  if (!events.ok()) {
    task.status = events.status();
    return false;
  }
  if (*events == 0) {
    task.status = absl::OkStatus();
    return false;
  }
  return true;
}

}  // namespace

void RunExchanges(absl::Span<ExchangeTask> tasks, absl::Time deadline) {
  // One connection needs no poll loop, and its exchange may wait for the
  // reply in a blocking read.
  if (tasks.size() == 1) {
    tasks[0].status = tasks[0].conn->Exchange(*tasks[0].reader, deadline);
    return;
  }
  std::vector<pollfd> fds;
  std::vector<ExchangeTask*> waiting;
  fds.reserve(tasks.size());
  waiting.reserve(tasks.size());
  // Every request goes out first; reading right after would only find
  // nothing yet, so the first reads wait for poll.
  for (ExchangeTask& t : tasks) {
    absl::StatusOr<short> events = t.conn->Step(*t.reader, /*read=*/false);
    if (Settle(t, events)) {
      fds.push_back(pollfd{t.conn->fd(), *events, 0});
      waiting.push_back(&t);
    }
  }
  while (!waiting.empty()) {
    // A connection still being set up may have to give up before the
    // exchange's deadline: at its own connect deadline.
    absl::Time wake = deadline;
    for (const ExchangeTask* t : waiting) {
      if (t->conn->connecting()) {
        wake = std::min(wake, t->conn->connect_deadline());
      }
    }
    const absl::Time now = absl::Now();
    const bool expired = now >= deadline;
    int n = 0;
    if (!expired && now < wake) {
      n = ::poll(fds.data(), fds.size(), PollTimeoutMs(wake));
      if (n < 0 && errno != EINTR) {
        for (ExchangeTask* t : waiting) {
          t->conn->MarkBroken();
          t->status = absl::InternalError(
              absl::StrCat(t->conn->peer(), ": poll failed"));
        }
        return;
      }
    }
    // Only ready connections are stepped, and those whose setup ran out of
    // time (the step fails them); once the deadline has passed, every one
    // is, so that replies that arrived by then are still taken.
    const absl::Time after = wake == deadline ? now : absl::Now();
    size_t kept = 0;
    for (size_t i = 0; i < waiting.size(); ++i) {
      ExchangeTask* t = waiting[i];
      if (expired || (n > 0 && fds[i].revents != 0) ||
          (t->conn->connecting() && after >= t->conn->connect_deadline())) {
        absl::StatusOr<short> events = t->conn->Step(*t->reader);
        if (!Settle(*t, events)) continue;
        if (expired) {
          t->conn->MarkBroken();
          t->status = absl::DeadlineExceededError(absl::StrCat(
              t->conn->peer(), t->conn->connecting()
                                   ? ": timed out connecting"
                                   : ": timed out waiting for a reply"));
          continue;
        }
        fds[i].events = *events;
      }
      // A setup that moved on to the host's next address has a new socket.
      fds[kept] = pollfd{t->conn->fd(), fds[i].events, 0};
      waiting[kept++] = t;
    }
    fds.resize(kept);
    waiting.resize(kept);
  }
}

}  // namespace kivi::net
