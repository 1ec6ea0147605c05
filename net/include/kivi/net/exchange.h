#ifndef KIVI_NET_EXCHANGE_H_
#define KIVI_NET_EXCHANGE_H_

// Drives exchanges on many connections (one per server) at once, in a single
// poll loop, so a batch or a fleet-wide command costs the slowest server's
// round trip, not the sum.

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kivi/net/connection.h"

namespace kivi::net {

struct ExchangeTask {
  Connection* conn = nullptr;  // Request already appended.
  ReplyReader* reader = nullptr;
  // Out: OK when the reader finished; else why this connection failed (its
  // connection is then broken). Other tasks are unaffected.
  absl::Status status;
};

// Runs every task until it is done, fails, or `deadline` passes (then
// DeadlineExceeded naming the peer).
void RunExchanges(absl::Span<ExchangeTask> tasks, absl::Time deadline);

}  // namespace kivi::net

#endif  // KIVI_NET_EXCHANGE_H_
