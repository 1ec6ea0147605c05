#ifndef KIVI_POSTGRES_POSTGRES_BACKEND_H_
#define KIVI_POSTGRES_POSTGRES_BACKEND_H_

// The PostgreSQL backend: one table (schema in the README), libpq with a
// bounded pool of connections holding prepared statements, a per-call
// deadline enforced by the client (the statement is cancelled and the
// connection discarded) with the server's statement_timeout as a backstop,
// array-parameter batches (one round trip each), single-statement atomic
// operations and an advisory-lock guard for GetOrSet across processes.
// Writes are acknowledged only once PostgreSQL has committed them, so they
// survive a crash of the server as far as its own durability settings do.
//
// URL form (every parameter optional; defaults as in PostgresOptions):
//   postgres://[user[:password]@]host[:port]/dbname?table=kivi&timeout=1s
//       &connect_timeout=1s&max_conns=8&sweep_interval=1s
//       &password_file=/path&sslmode=require&application_name=app...
// Any other libpq connection keyword (sslmode, sslrootcert,
// application_name, ...) is passed to libpq as given. The shared
// parameters (namespace, default_ttl, max_value_bytes) are read by core.

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kivi/backend.h"
#include "kivi/key_rules.h"
#include "kivi/registry.h"

namespace kivi {

struct PostgresOptions {
  // libpq connection keywords and values (host, port, dbname, user,
  // password, sslmode, ...), passed to PQconnectStartParams as given.
  std::vector<std::pair<std::string, std::string>> connection;

  // The table holding the keys: an identifier of letters, digits and '_'
  // (not starting with a digit), at most 50 bytes. Created when absent,
  // with a sequence "<table>_version" and an index "<table>_expires_at".
  std::string table = "kivi";

  // Upper bound for one operation, including waiting for a pooled
  // connection and connecting. Past it the statement is cancelled, its
  // connection discarded, and the call answers DeadlineExceeded. The
  // server's statement_timeout is set to twice this, a backstop for a
  // cancel request that cannot reach it.
  absl::Duration timeout = absl::Seconds(1);
  // Upper bound for establishing one connection (TCP, TLS, authentication,
  // session setup).
  absl::Duration connect_timeout = absl::Seconds(1);
  // Connections open at once, never more; callers wait within their
  // deadline for one. GetOrSet holds one while its loader runs.
  int max_conns = 8;

  // How often expired rows are deleted, in batches of `sweep_batch` rows,
  // at most `sweep_batches` batches per sweep. Zero: never (expired rows
  // are still never returned, and are overwritten by later writes).
  absl::Duration sweep_interval = absl::Seconds(1);
  int sweep_batch = 1000;
  int sweep_batches = 10;

  // Largest value after Append/Prepend (the client's max_value_bytes).
  size_t max_value_bytes = kDefaultMaxValueBytes;
};

// Connects (within connect_timeout), creates the table if absent and
// returns the backend. InvalidArgument for a malformed table name;
// Unavailable when the server cannot be reached or refuses the login;
// the server's error when it refuses to create the table.
absl::StatusOr<std::unique_ptr<Backend>> NewPostgresBackend(
    const PostgresOptions& options);

// Registers the "postgres" and "postgresql" URL schemes.
absl::Status RegisterPostgresBackend(BackendRegistry& registry);

}  // namespace kivi

#endif  // KIVI_POSTGRES_POSTGRES_BACKEND_H_
