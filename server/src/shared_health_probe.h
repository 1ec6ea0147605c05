#ifndef KIVI_SERVER_SRC_SHARED_HEALTH_PROBE_H_
#define KIVI_SERVER_SRC_SHARED_HEALTH_PROBE_H_

#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "kivi/client.h"

namespace kivi {

// kivi.v1.KeyValue Health calls as probes of the backend (Client::
// HealthAsync), where calls that arrive while a probe with the same timeout
// is in flight share its report instead of starting one each.
//
// Why: a probe waits up to its timeout on a store that does not answer, and
// runs on the client's bounded executor. Without sharing, a crowd of
// callers probing a frozen store (each up to max_health_timeout) would
// queue there for minutes, ahead of the calls that need the executor, and
// would hold a graceful shutdown until the last one ran. Shared, they cost
// one probe at a time per distinct timeout.
//
// Thread-safe; `client` must outlive the object, and the object every
// probe it started (kivi-server's shutdown waits for every call).
class SharedHealthProbe {
 public:
  using Done = absl::AnyInvocable<void(const HealthReport&) &&>;

  explicit SharedHealthProbe(Client& client) : client_(client) {}

  // Calls `done` once with the report of a probe bounded by `timeout`:
  // the one in flight with this timeout, or a new one.
  void Probe(absl::Duration timeout, Done done);

 private:
  Client& client_;
  std::mutex mu_;
  // Callers of each probe in flight, by its timeout in nanoseconds.
  absl::flat_hash_map<int64_t, std::vector<Done>> waiting_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_SHARED_HEALTH_PROBE_H_
