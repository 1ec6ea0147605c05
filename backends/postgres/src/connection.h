#ifndef KIVI_BACKENDS_POSTGRES_SRC_CONNECTION_H_
#define KIVI_BACKENDS_POSTGRES_SRC_CONNECTION_H_

// One libpq connection in non-blocking mode, every wait bounded by a
// deadline (poll on its socket). A statement that outlives its deadline is
// cancelled (PQcancel, on a detached thread so the caller never waits on
// it) and the connection marked broken: its reply may still arrive, so it
// must never carry another request.

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/postgres/src/statements.h"
#include "backends/postgres/src/wire.h"

namespace kivi::postgres_internal {

using ConnectionKeywords = std::vector<std::pair<std::string, std::string>>;

// Not thread-safe: one caller at a time (the pool hands it out).
class Connection {
 public:
  // Connects with `keywords` (libpq's) and runs `setup_sql` (may be empty)
  // before the earlier of `connect_deadline` and `call_deadline`.
  // Unavailable when the server cannot be reached or refuses, or does not
  // answer by `connect_deadline`; DeadlineExceeded when `call_deadline`
  // (the caller's) passes first.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const ConnectionKeywords& keywords, absl::string_view setup_sql,
      absl::Time connect_deadline, absl::Time call_deadline);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs the prepared `statement` with `params`. The server's error as a
  // status (see StatusFromServer); DeadlineExceeded past `deadline`;
  // Unavailable when the connection fails. Marks the connection broken
  // when it can no longer be trusted.
  absl::StatusOr<Result> Execute(Statement statement, const Params& params,
                                 absl::Time deadline);

  // Runs `sql` (possibly several statements) with the simple protocol;
  // the first error, if any.
  absl::Status ExecuteScript(absl::string_view sql, absl::Time deadline);

  // For an idle connection: false when the server has closed it meanwhile
  // (a restart, an administrator, an idle timeout), which a request sent
  // on it would only find out by failing. One poll, no round trip; skipped
  // for a connection idle less than kTrustedIdle, whose server would have
  // had to die and restart within that time (the call then fails
  // Unavailable, as with any server lost mid-use), so a busy client pays
  // no extra system call.
  bool StillOpen(absl::Time now);
  // Records when the connection went back to the pool.
  void MarkIdle(absl::Time now) { idle_since_ = now; }

  // True once the connection is out of sync or closed: discard it.
  bool broken() const { return broken_; }
  // Marks the connection broken, so the pool closes it (which ends its
  // server session and what the session holds, such as advisory locks).
  void Discard() { broken_ = true; }
  // "host:port/dbname".
  const std::string& endpoint() const { return endpoint_; }

 private:
  explicit Connection(PGconn* conn);

  // Sends what libpq buffered, then waits for the whole reply; returns the
  // first result (later ones of a script: their first error).
  absl::StatusOr<Result> Finish(absl::Time deadline);
  // Waits until the socket is readable (or writable too, when `write`).
  absl::Status Wait(bool write, absl::Time deadline);
  absl::Status Broken(absl::Status status);
  // Cancels the running statement in the background; DeadlineExceeded.
  absl::Status Expired();

  static constexpr absl::Duration kTrustedIdle = absl::Milliseconds(500);

  PGconn* conn_;
  std::string endpoint_;
  bool broken_ = false;
  absl::Time idle_since_ = absl::InfinitePast();
};

// Maps a failed result's SQLSTATE to a status code: query_canceled
// (statement_timeout) and lock_not_available are DeadlineExceeded,
// connection and shutdown errors Unavailable, serialization failures and
// deadlocks Aborted, insufficient resources ResourceExhausted, anything
// else Internal. The message holds the server's.
absl::Status StatusFromServer(const PGresult* result);

}  // namespace kivi::postgres_internal

#endif  // KIVI_BACKENDS_POSTGRES_SRC_CONNECTION_H_
