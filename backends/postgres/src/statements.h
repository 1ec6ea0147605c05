#ifndef KIVI_BACKENDS_POSTGRES_SRC_STATEMENTS_H_
#define KIVI_BACKENDS_POSTGRES_SRC_STATEMENTS_H_

// Every SQL statement the backend runs, for one table. Each operation is a
// single statement, so it is atomic without an explicit transaction. Pure
// text generation: no I/O.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace kivi::postgres_internal {

// The prepared statements; see statements.cc for their parameters and
// result columns.
enum class Statement {
  kGet,
  kGetVersioned,
  kSet,
  kDelete,
  kAdd,
  kReplace,
  kCompareAndSet,
  kTouch,
  kGetAndTouch,
  kAppend,
  kPrepend,
  kIncrementOrCreate,
  kIncrementExisting,
  kListRange,
  kListFrom,
  kBatchGet,
  kBatchSet,
  kBatchDelete,
  kLock,
  kUnlock,
  kSweep,
  kFlushNow,
  kFlushLater,
  kTableStats,
  kPing,
};
inline constexpr int kStatementCount = static_cast<int>(Statement::kPing) + 1;

// The name a statement is prepared under on every connection.
const char* StatementName(Statement statement);

// InvalidArgument naming the parameter unless `table` is 1..50 letters,
// digits and '_', not starting with a digit.
absl::Status ValidateTableName(absl::string_view table);

// The DDL creating the table, its version sequence and its expiry index
// when absent, serialised across clients by an advisory lock (concurrent
// CREATE ... IF NOT EXISTS can otherwise collide).
std::string SchemaSql(absl::string_view table);

// The SQL preparing every Statement on a new connection, with the
// session's statement_timeout, as one multi-statement string.
std::string SessionSetupSql(absl::string_view table,
                            int64_t statement_timeout_ms);

}  // namespace kivi::postgres_internal

#endif  // KIVI_BACKENDS_POSTGRES_SRC_STATEMENTS_H_
