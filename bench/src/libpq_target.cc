#include <libpq-fe.h>

#include <memory>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

// The floor's statements on kivi's own table: a single-row SELECT by
// primary key, and the upsert a Set needs (a new version, no expiry).
constexpr char kGet[] = "SELECT value FROM \"$T\" WHERE key = $1";
constexpr char kSet[] =
    "INSERT INTO \"$T\" (key, value, version, expires_at) "
    "VALUES ($1, $2, nextval('\"$T_version\"'), NULL) ON CONFLICT (key) DO "
    "UPDATE SET value = excluded.value, version = excluded.version, "
    "expires_at = NULL";

std::string ForTable(const char* sql, const std::string& table) {
  std::string out = sql;
  for (size_t at; (at = out.find("$T")) != std::string::npos;) {
    out.replace(at, 2, table);
  }
  return out;
}

absl::Status Failed(PGconn* conn, PGresult* result) {
  absl::Status status = absl::InternalError(
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  PQclear(result);
  return status;
}

// One blocking connection, one PQexecPrepared per operation: one round
// trip, binary parameters and results.
class LibpqSession final : public Session {
 public:
  explicit LibpqSession(PGconn* conn) : conn_(conn) {}
  ~LibpqSession() override { PQfinish(conn_); }

  absl::Status Get(absl::string_view key, std::string* value) override {
    const char* values[1] = {key.data()};
    const int lengths[1] = {static_cast<int>(key.size())};
    const int formats[1] = {1};
    PGresult* result = PQexecPrepared(conn_, "floor_get", 1, values, lengths,
                                      formats, /*resultFormat=*/1);
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      return Failed(conn_, result);
    }
    if (PQntuples(result) == 0) {
      PQclear(result);
      return absl::NotFoundError(key);
    }
    value->assign(PQgetvalue(result, 0, 0), PQgetlength(result, 0, 0));
    PQclear(result);
    return absl::OkStatus();
  }

  absl::Status Set(absl::string_view key, absl::string_view value) override {
    const char* values[2] = {key.data(), value.data()};
    const int lengths[2] = {static_cast<int>(key.size()),
                            static_cast<int>(value.size())};
    const int formats[2] = {1, 1};
    PGresult* result = PQexecPrepared(conn_, "floor_set", 2, values, lengths,
                                      formats, /*resultFormat=*/1);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      return Failed(conn_, result);
    }
    PQclear(result);
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun&, size_t) override {
    return absl::UnimplementedError("the libpq floor measures single keys");
  }

 private:
  PGconn* conn_;
};

class LibpqTarget final : public Target {
 public:
  LibpqTarget(std::string conninfo, std::string table)
      : conninfo_(std::move(conninfo)), table_(std::move(table)) {}

  std::string name() const override { return "libpq"; }
  bool Supports(Workload workload) const override { return !IsBatch(workload); }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      absl::Status status = absl::UnavailableError(PQerrorMessage(conn));
      PQfinish(conn);
      return status;
    }
    auto session = std::make_unique<LibpqSession>(conn);
    const Oid bytea = 17;
    const Oid types[2] = {bytea, bytea};
    for (const auto& [name, sql, n] :
         {std::tuple{"floor_get", kGet, 1}, std::tuple{"floor_set", kSet, 2}}) {
      PGresult* result =
          PQprepare(conn, name, ForTable(sql, table_).c_str(), n, types);
      if (PQresultStatus(result) != PGRES_COMMAND_OK) {
        return Failed(conn, result);
      }
      PQclear(result);
    }
    return session;
  }

 private:
  std::string conninfo_;
  std::string table_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> NewLibpqTarget(
    const std::string& conninfo, const std::string& table) {
  return std::make_unique<LibpqTarget>(conninfo, table);
}

}  // namespace kivi_bench
