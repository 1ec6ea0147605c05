#ifndef KIVI_BACKENDS_REDIS_SRC_BACKEND_H_
#define KIVI_BACKENDS_REDIS_SRC_BACKEND_H_

// RedisBackend: maps kivi's Backend operations onto Redis commands and
// scripts, routed by the Topology. The operations are spread over files by
// concern: redis_backend.cc (synchronous single-key operations and their
// redirections), async.cc (Submit: the same, completed asynchronously),
// key_command.cc (what both send and how they read the reply), batch.cc,
// admin.cc (List, Stats, Flush, Health), get_or_set.cc (the cross-process
// stampede guard).

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "backends/redis/src/key_command.h"
#include "backends/redis/src/node.h"
#include "backends/redis/src/resp.h"
#include "backends/redis/src/scripts.h"
#include "backends/redis/src/topology.h"
#include "kivi/backend.h"
#include "kivi/redis/redis_backend.h"

namespace kivi::redis {

// Redirections one operation follows before giving up (a slot migrating
// while the map is refreshed needs two: ASK, then MOVED).
inline constexpr int kMaxRedirects = 5;

class RedisBackend : public Backend {
 public:
  RedisBackend(const RedisOptions& options, std::unique_ptr<Topology> topology);

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
  // Single-key operations on the nodes' multiplexed connections; the rest
  // (batches, List, Stats, Flush) on `executor` by the default.
  void Submit(AsyncRequest request, AsyncDone done,
              Executor& executor) override;

 private:
  // One single-key command on the node serving its key, by the operation
  // timeout, following MOVED and ASK (at most kMaxRedirects) and sending a
  // script's source after NOSCRIPT.
  KeyResult RunKey(const KeyCommand& command);

  absl::Time Deadline() const;

  const RedisOptions options_;
  std::unique_ptr<Topology> topology_;
};

// Unavailable: `key` was redirected more than kMaxRedirects times.
absl::Status TooManyRedirects(absl::string_view key);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_BACKEND_H_
