// GetOrSet's cross-process guard, Health, Stats, Flush and the sweeper.

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/postgres/src/backend.h"
#include "kivi/status_macros.h"

namespace kivi::postgres_internal {

// Across processes, one caller per key runs the loader: it holds a session
// advisory lock on the key while it loads and stores; the others wait for
// the lock (at most the timeout), then find the value stored. A caller
// whose wait times out (its wait cancelled, its connection discarded)
// loads without the guard, so a slow loader delays others but never fails
// them. The lock dies with its session, so a crashed holder never blocks
// anyone.
absl::StatusOr<std::string> PostgresBackend::GetOrSet(absl::string_view key,
                                                      absl::Duration ttl,
                                                      Loader loader) {
  absl::StatusOr<std::string> hit = Get(key);
  if (!absl::IsNotFound(hit.status())) return hit;
  Params params;
  params.Bytes(key);
  {
    const absl::Time deadline = absl::Now() + options_.timeout;
    KIVI_ASSIGN_OR_RETURN(Pool::Lease connection, pool_.Acquire(deadline));
    absl::StatusOr<Result> locked =
        RunOn(connection, Statement::kLock, params, deadline);
    if (locked.ok()) {
      absl::StatusOr<std::string> value =
          LoadLocked(connection, key, ttl, loader);
      if (!connection->broken()) {
        absl::StatusOr<Result> unlocked =
            RunOn(connection, Statement::kUnlock, params,
                  absl::Now() + options_.timeout);
        // A lock that cannot be released must not stay held by a pooled
        // session: closing the connection releases it.
        if (!unlocked.ok()) connection->Discard();
      }
      return value;
    }
    if (!absl::IsDeadlineExceeded(locked.status())) {
      return ForKey(key, locked.status());
    }
  }  // The connection goes back before the unguarded load needs one.
  hit = Get(key);
  if (!absl::IsNotFound(hit.status())) return hit;
  KIVI_ASSIGN_OR_RETURN(std::string value, loader());
  (void)Set(key, value, ttl);  // Not storing is no error (client.h).
  return value;
}

absl::StatusOr<std::string> PostgresBackend::LoadLocked(Pool::Lease& connection,
                                                        absl::string_view key,
                                                        absl::Duration ttl,
                                                        Loader loader) {
  Params params;
  params.Bytes(key);
  KIVI_ASSIGN_OR_RETURN(Result stored,
                        RunOn(connection, Statement::kGet, params,
                              absl::Now() + options_.timeout));
  if (stored.rows() > 0) return std::string(stored.Bytes(0, 0));
  KIVI_ASSIGN_OR_RETURN(std::string value, loader());
  Params write;
  write.Bytes(key).Bytes(value).Int64(TtlMicros(ttl));
  // Not storing is no error (client.h); the value is still returned.
  (void)RunOn(connection, Statement::kSet, write,
              absl::Now() + options_.timeout);
  return value;
}

HealthReport PostgresBackend::Health(absl::Duration timeout) {
  EndpointHealth health{.endpoint = endpoint_};
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  absl::StatusOr<Pool::Lease> connection = pool_.Acquire(deadline);
  absl::Status status = connection.status();
  if (status.ok()) {
    Params params;
    status = RunOn(*connection, Statement::kPing, params, deadline).status();
  }
  health.latency = absl::Now() - start;
  health.ok = status.ok();
  health.error = status;
  return HealthReport{.endpoints = {std::move(health)}};
}

absl::StatusOr<std::vector<EndpointStats>> PostgresBackend::Stats() {
  Params params;
  KIVI_ASSIGN_OR_RETURN(Result table, Run(Statement::kTableStats, params));
  const Pool::State pool = pool_.state();
  EndpointStats stats{.endpoint = endpoint_};
  stats.values = {
      {"table", options_.table},
      // -1 until the table was first vacuumed or analyzed.
      {"rows_estimate", absl::StrCat(table.rows() > 0 ? table.Int64(0, 0) : 0)},
      {"table_bytes", absl::StrCat(table.rows() > 0 ? table.Int64(0, 1) : 0)},
      {"pool_open", absl::StrCat(pool.open)},
      {"pool_idle", absl::StrCat(pool.idle)},
      {"pool_max", absl::StrCat(pool.max)},
      {"pool_discarded", absl::StrCat(pool.discarded)}};
  return std::vector<EndpointStats>{std::move(stats)};
}

absl::Status PostgresBackend::Flush(absl::Duration delay) {
  Params params;
  if (delay <= absl::ZeroDuration()) {
    return Run(Statement::kFlushNow, params).status();
  }
  params.Int64(TtlMicros(delay));
  return Run(Statement::kFlushLater, params).status();
}

void PostgresBackend::SweepLoop() {
  while (!stop_.WaitForNotificationWithTimeout(options_.sweep_interval)) {
    for (int batch = 0; batch < options_.sweep_batches; ++batch) {
      Params params;
      params.Int64(options_.sweep_batch);
      absl::StatusOr<Result> swept = Run(Statement::kSweep, params);
      // A failure waits for the next sweep; a short batch means done.
      if (!swept.ok() || swept->affected() < options_.sweep_batch) break;
      if (stop_.HasBeenNotified()) return;
    }
  }
}

}  // namespace kivi::postgres_internal
