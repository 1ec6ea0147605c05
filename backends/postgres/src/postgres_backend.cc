#include "kivi/postgres/postgres_backend.h"

#include <memory>
#include <utility>

#include "absl/time/clock.h"
#include "backends/postgres/src/backend.h"
#include "backends/postgres/src/connection.h"
#include "backends/postgres/src/statements.h"
#include "kivi/status_macros.h"

namespace kivi {

absl::StatusOr<std::unique_ptr<Backend>> NewPostgresBackend(
    const PostgresOptions& options) {
  using postgres_internal::Connection;
  KIVI_RETURN_IF_ERROR(postgres_internal::ValidateTableName(options.table));
  if (options.max_conns < 1 || options.sweep_batch < 1 ||
      options.sweep_batches < 1) {
    return absl::InvalidArgumentError(
        "postgres: max_conns, sweep_batch and sweep_batches must be positive");
  }
  // Connecting, creating the table and preparing the statements: the
  // whole start is bounded by connect_timeout.
  const absl::Time deadline = absl::Now() + options.connect_timeout;
  KIVI_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> first,
      Connection::Open(options.connection, "", deadline, deadline));
  // The table must exist before statements naming it can be prepared.
  KIVI_RETURN_IF_ERROR(first->ExecuteScript(
      postgres_internal::SchemaSql(options.table), deadline));
  KIVI_RETURN_IF_ERROR(
      first->ExecuteScript(postgres_internal::SessionSetup(options), deadline));
  return std::make_unique<postgres_internal::PostgresBackend>(options,
                                                              std::move(first));
}

}  // namespace kivi
