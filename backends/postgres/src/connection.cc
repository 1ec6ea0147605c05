#include "backends/postgres/src/connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace kivi::postgres_internal {
namespace {

std::string ErrorText(const PGconn* conn) {
  return std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
}

// Poll's timeout for `deadline`, rounded up to whole milliseconds so a
// wait never ends just before it.
int PollTimeout(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
}

// Waits for `events` on `fd`; false when `deadline` passed first.
bool PollUntil(int fd, short events, absl::Time deadline) {
  while (true) {
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int timeout = PollTimeout(deadline);
    const int n = ::poll(&p, 1, timeout);
    if (n > 0) return true;
    if (n == 0 && absl::Now() >= deadline) return false;
    if (n < 0 && errno != EINTR) return true;  // libpq reports the error.
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const ConnectionKeywords& keywords, absl::string_view setup_sql,
    absl::Time connect_deadline, absl::Time call_deadline) {
  std::vector<const char*> names;
  std::vector<const char*> values;
  for (const auto& [name, value] : keywords) {
    names.push_back(name.c_str());
    values.push_back(value.c_str());
  }
  names.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectStartParams(names.data(), values.data(), 0);
  if (conn == nullptr) {
    return absl::ResourceExhaustedError("postgres: out of memory connecting");
  }
  std::unique_ptr<Connection> connection(new Connection(conn));
  // The server's notices ("relation already exists, skipping") are not
  // errors; libpq would print them to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  const absl::Time deadline = std::min(connect_deadline, call_deadline);
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (PQstatus(conn) != CONNECTION_BAD && state != PGRES_POLLING_OK &&
         state != PGRES_POLLING_FAILED) {
    const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (!PollUntil(PQsocket(conn), events, deadline)) {
      if (call_deadline < connect_deadline) {
        return absl::DeadlineExceededError(
            "postgres: connecting took longer than the call's timeout");
      }
      return absl::UnavailableError(
          "postgres: no connection within connect_timeout");
    }
    state = PQconnectPoll(conn);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("postgres: cannot connect: ", ErrorText(conn)));
  }
  connection->endpoint_ =
      absl::StrCat(PQhost(conn), ":", PQport(conn), "/", PQdb(conn));
  if (PQsetnonblocking(conn, 1) != 0) {
    return absl::InternalError(absl::StrCat("postgres ", connection->endpoint_,
                                            ": ", ErrorText(conn)));
  }
  if (!setup_sql.empty()) {
    absl::Status setup = connection->ExecuteScript(setup_sql, deadline);
    if (!setup.ok()) {
      if (absl::IsDeadlineExceeded(setup) &&
          call_deadline >= connect_deadline) {
        return absl::UnavailableError(setup.message());
      }
      return setup;
    }
  }
  return connection;
}

Connection::Connection(PGconn* conn) : conn_(conn) {}

Connection::~Connection() { PQfinish(conn_); }

absl::StatusOr<Result> Connection::Execute(Statement statement,
                                           const Params& params,
                                           absl::Time deadline) {
  if (PQsendQueryPrepared(conn_, StatementName(statement), params.size(),
                          params.values(), params.lengths(), params.formats(),
                          /*resultFormat=*/1) == 0) {
    return Broken(absl::UnavailableError(
        absl::StrCat("postgres ", endpoint_, ": ", ErrorText(conn_))));
  }
  return Finish(deadline);
}

absl::Status Connection::ExecuteScript(absl::string_view sql,
                                       absl::Time deadline) {
  const std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) {
    return Broken(absl::UnavailableError(
        absl::StrCat("postgres ", endpoint_, ": ", ErrorText(conn_))));
  }
  return Finish(deadline).status();
}

absl::StatusOr<Result> Connection::Finish(absl::Time deadline) {
  while (true) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) {
      return Broken(absl::UnavailableError(
          absl::StrCat("postgres ", endpoint_, ": ", ErrorText(conn_))));
    }
    if (absl::Status s = Wait(/*write=*/true, deadline); !s.ok()) return s;
  }
  PGresult* first = nullptr;
  absl::Status error;
  while (true) {
    while (PQisBusy(conn_) != 0) {
      if (absl::Status s = Wait(/*write=*/false, deadline); !s.ok()) {
        PQclear(first);
        return s;
      }
    }
    PGresult* next = PQgetResult(conn_);
    if (next == nullptr) break;
    const ExecStatusType status = PQresultStatus(next);
    if (error.ok() &&
        (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
         status == PGRES_NONFATAL_ERROR)) {
      error = StatusFromServer(next);
      if (status == PGRES_BAD_RESPONSE) broken_ = true;
    }
    if (first == nullptr) {
      first = next;
    } else {
      PQclear(next);
    }
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    PQclear(first);
    return Broken(absl::UnavailableError(
        absl::StrCat("postgres ", endpoint_, ": ", ErrorText(conn_))));
  }
  if (!error.ok()) {
    PQclear(first);
    return absl::Status(error.code(), absl::StrCat("postgres ", endpoint_, ": ",
                                                   error.message()));
  }
  if (first == nullptr) {
    return Broken(absl::InternalError(
        absl::StrCat("postgres ", endpoint_, ": no result")));
  }
  return Result(first);
}

absl::Status Connection::Wait(bool write, absl::Time deadline) {
  const short events = write ? (POLLIN | POLLOUT) : POLLIN;
  if (!PollUntil(PQsocket(conn_), events, deadline)) return Expired();
  // Input is read even while writing: the server may answer (an error)
  // before taking all of a large request.
  if (PQconsumeInput(conn_) == 0) {
    return Broken(absl::UnavailableError(
        absl::StrCat("postgres ", endpoint_, ": ", ErrorText(conn_))));
  }
  return absl::OkStatus();
}

bool Connection::StillOpen(absl::Time now) {
  if (now - idle_since_ < kTrustedIdle) return true;
  pollfd p{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, 0) == 0) return true;
  // Something arrived unasked: a notice, or the server's goodbye and EOF,
  // which libpq turns into CONNECTION_BAD.
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
  }
  return !broken_;
}

absl::Status Connection::Broken(absl::Status status) {
  broken_ = true;
  return status;
}

absl::Status Connection::Expired() {
  // PQcancel opens a connection of its own and waits for the server to
  // close it, which a frozen server never does: the caller must not wait.
  // The cancel object is self-contained, so the thread outlives nothing.
  if (PGcancel* cancel = PQgetCancel(conn_); cancel != nullptr) {
    std::thread([cancel] {
      char error[256];
      PQcancel(cancel, error, sizeof(error));
      PQfreeCancel(cancel);
    }).detach();
  }
  return Broken(absl::DeadlineExceededError(absl::StrCat(
      "postgres ", endpoint_,
      ": no reply within the timeout; the statement was cancelled")));
}

absl::Status StatusFromServer(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string message = absl::StrCat(
      absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(result)),
      sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", sqlstate, ")"));
  if (sqlstate == "57014" || sqlstate == "55P03") {
    return absl::DeadlineExceededError(message);
  }
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P")) {
    return absl::UnavailableError(message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return absl::AbortedError(message);
  }
  if (absl::StartsWith(sqlstate, "53")) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

}  // namespace kivi::postgres_internal
