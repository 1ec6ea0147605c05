#include "src/exchange.h"

#include <poll.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/socket.h"

namespace kivi::memcached {

void RunExchanges(absl::Span<ExchangeTask> tasks, absl::Time deadline) {
  std::vector<pollfd> fds;
  std::vector<ExchangeTask*> waiting;
  std::vector<ExchangeTask*> active;
  for (ExchangeTask& t : tasks) active.push_back(&t);
  while (!active.empty()) {
    // Checked before stepping, so replies that arrived by the deadline are
    // still taken.
    bool expired = absl::Now() >= deadline;
    fds.clear();
    waiting.clear();
    for (ExchangeTask* t : active) {
      absl::StatusOr<short> events = t->conn->Step(*t->reader);
      if (!events.ok()) {
        t->status = events.status();
      } else if (*events == 0) {
        t->status = absl::OkStatus();
      } else {
        fds.push_back(pollfd{t->conn->fd(), *events, 0});
        waiting.push_back(t);
      }
    }
    if (waiting.empty()) return;
    if (expired) {
      for (ExchangeTask* t : waiting) {
        t->conn->MarkBroken();
        t->status = absl::DeadlineExceededError(absl::StrCat(
            "memcached ", t->conn->server(), ": timed out waiting for a reply"));
      }
      return;
    }
    int n = ::poll(fds.data(), fds.size(), PollTimeoutMs(deadline));
    if (n < 0 && errno != EINTR) {
      for (ExchangeTask* t : waiting) {
        t->conn->MarkBroken();
        t->status = absl::InternalError(
            absl::StrCat("memcached ", t->conn->server(), ": poll failed"));
      }
      return;
    }
    // Stepping a connection that is not ready costs one failed read; far
    // cheaper than tracking readiness per task for the few servers a batch
    // spans.
    active = waiting;
  }
}

}  // namespace kivi::memcached
