#ifndef KIVI_BACKENDS_POSTGRES_SRC_BACKEND_H_
#define KIVI_BACKENDS_POSTGRES_SRC_BACKEND_H_

// The PostgreSQL Backend: each operation one prepared statement on a
// pooled connection (backend.cc: reads, writes, batches, List;
// atomic.cc: the conditional and atomic operations; admin.cc: GetOrSet,
// Health, Stats, Flush and the sweeper of expired rows).

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "backends/postgres/src/pool.h"
#include "backends/postgres/src/statements.h"
#include "backends/postgres/src/wire.h"
#include "kivi/backend.h"
#include "kivi/postgres/postgres_backend.h"

namespace kivi::postgres_internal {

// A TTL as the statements take it: whole microseconds rounded up, 0 for
// none, at most 1000 years (later than any deployment lives).
int64_t TtlMicros(absl::Duration ttl);

// What every connection runs once connected: the session's timeouts and
// the prepared statements.
std::string SessionSetup(const PostgresOptions& options);

class PostgresBackend : public Backend {
 public:
  // Takes the connection the factory opened, created the table with and
  // set up (SessionSetup).
  PostgresBackend(const PostgresOptions& options,
                  std::unique_ptr<Connection> first);
  ~PostgresBackend() override;

  Capabilities capabilities() const override;
  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override;
  absl::Status Delete(absl::string_view key) override;
  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override;
  absl::StatusOr<BatchGetResult> BatchGet(
      absl::Span<const std::string> keys) override;
  absl::StatusOr<BatchWriteResult> BatchSet(absl::Span<const KeyValue> entries,
                                            absl::Duration ttl) override;
  absl::StatusOr<BatchWriteResult> BatchDelete(
      absl::Span<const std::string> keys) override;
  HealthReport Health(absl::Duration timeout) override;
  absl::StatusOr<std::string> GetOrSet(absl::string_view key,
                                       absl::Duration ttl,
                                       Loader loader) override;

  absl::Status Add(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override;
  absl::Status Replace(absl::string_view key, absl::string_view value,
                       absl::Duration ttl) override;
  absl::StatusOr<uint64_t> Increment(absl::string_view key, int64_t delta,
                                     uint64_t initial, bool create,
                                     absl::Duration ttl) override;
  absl::StatusOr<VersionedValue> GetVersioned(absl::string_view key) override;
  absl::Status CompareAndSet(absl::string_view key, absl::string_view value,
                             uint64_t version, absl::Duration ttl) override;
  absl::Status Touch(absl::string_view key, absl::Duration ttl) override;
  absl::StatusOr<std::string> GetAndTouch(absl::string_view key,
                                          absl::Duration ttl) override;
  absl::Status Append(absl::string_view key, absl::string_view value) override;
  absl::Status Prepend(absl::string_view key, absl::string_view value) override;
  absl::Status Flush(absl::Duration delay) override;
  absl::StatusOr<std::vector<EndpointStats>> Stats() override;

 private:
  // Runs `statement` on a pooled connection within the call's timeout.
  absl::StatusOr<Result> Run(Statement statement, const Params& params);
  // Runs `statement` on the leased `connection` until `deadline`.
  absl::StatusOr<Result> RunOn(Pool::Lease& connection, Statement statement,
                               const Params& params, absl::Time deadline);
  // A miss of `key`.
  static absl::Status KeyNotFound(absl::string_view key);
  // `status` with the key named in its message.
  static absl::Status ForKey(absl::string_view key, absl::Status status);
  absl::Status Extend(absl::string_view key, absl::string_view value,
                      bool at_end);
  // GetOrSet's guarded part, on `connection` holding the key's lock.
  absl::StatusOr<std::string> LoadLocked(Pool::Lease& connection,
                                         absl::string_view key,
                                         absl::Duration ttl, Loader loader);
  // Deletes expired rows in bounded batches every sweep_interval.
  void SweepLoop();

  const PostgresOptions options_;
  const std::string endpoint_;
  Pool pool_;
  absl::Notification stop_;
  std::thread sweeper_;  // Started last: it uses everything above.
};

}  // namespace kivi::postgres_internal

#endif  // KIVI_BACKENDS_POSTGRES_SRC_BACKEND_H_
