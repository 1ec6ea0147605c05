#ifndef KIVI_INTEGRATION_POSTGRES_SQL_SESSION_H_
#define KIVI_INTEGRATION_POSTGRES_SQL_SESSION_H_

#include <libpq-fe.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace kivi::testing {

// A plain blocking libpq session, for tests that look at the server
// behind kivi's back (the table's rows, pg_stat_activity) or hold locks.
class SqlSession {
 public:
  explicit SqlSession(const std::string& conninfo)
      : conn_(PQconnectdb(conninfo.c_str())) {}
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;
  ~SqlSession() { PQfinish(conn_); }

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }

  // Runs `sql`; the first column of its first row as text ("" when no
  // row), or Internal with the server's message.
  absl::StatusOr<std::string> Query(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string message = PQresultErrorMessage(result);
      PQclear(result);
      return absl::InternalError(absl::StrCat(sql, ": ", message));
    }
    std::string value = PQntuples(result) > 0 && PQnfields(result) > 0
                            ? PQgetvalue(result, 0, 0)
                            : "";
    PQclear(result);
    return value;
  }

 private:
  PGconn* conn_;
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_POSTGRES_SQL_SESSION_H_
