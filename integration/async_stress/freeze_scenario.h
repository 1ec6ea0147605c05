#ifndef KIVI_INTEGRATION_ASYNC_STRESS_FREEZE_SCENARIO_H_
#define KIVI_INTEGRATION_ASYNC_STRESS_FREEZE_SCENARIO_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kivi/kivi.h"

namespace kivi::testing {

// Each call's deadline (the URL's timeout) in the async stress tests.
inline constexpr absl::Duration kStressTimeout = absl::Milliseconds(300);
// How much later than its deadline a call may complete: the ~20 threads of
// the test, the client's and the server's share 2 cores (and TSan slows
// everything several times).
inline constexpr absl::Duration kStressMargin = absl::Milliseconds(700);

// The connection parameters shared by memcached:// and redis://: a small
// connection bound, so many callers share each connection, and a short
// retry_timeout so a restarted server is used again soon. With
// `keep_admitted`, a failure limit the test never reaches: every call on
// the frozen server waits out its own deadline on the shared connections,
// instead of failing fast once the server is marked down.
std::string StressParams(bool keep_admitted);

// The server that the scenario freezes and kills.
struct StressServer {
  // "127.0.0.1:<port>": every error must name it.
  std::string address;
  std::function<void(int)> signal;  // SIGSTOP returns once it is stopped.
  std::function<absl::Status()> restart;
};

// Runs a StressLoad on `kv` while `server` is frozen for 1.5 s, resumed,
// killed and restarted, and checks its report with gtest expectations: no
// wrong value, no call past kStressTimeout + kStressMargin, errors
// Unavailable or DeadlineExceeded naming the server, every callback once.
// `async_batches`: see StressOptions. `kv` is destroyed before the load.
void FreezeAndKill(std::unique_ptr<Client> kv, const StressServer& server,
                   bool async_batches);

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_ASYNC_STRESS_FREEZE_SCENARIO_H_
