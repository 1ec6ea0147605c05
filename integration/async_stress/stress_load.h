#ifndef KIVI_INTEGRATION_ASYNC_STRESS_STRESS_LOAD_H_
#define KIVI_INTEGRATION_ASYNC_STRESS_STRESS_LOAD_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "integration/async_stress/ledger.h"
#include "kivi/kivi.h"

namespace kivi::testing {

struct StressOptions {
  // Threads making synchronous calls, one at a time each.
  int sync_threads = 6;
  // Threads each keeping `in_flight` asynchronous calls outstanding.
  int async_callers = 2;
  int in_flight = 48;
  // Whether asynchronous callers make batch calls too. Off where batches
  // run on the client's executor (Backend::Submit's default): a call
  // queued there starts its deadline only when a worker takes it, so with
  // the server frozen, queued calls complete up to (calls queued / worker
  // threads) x timeout after they were made.
  bool async_batches = true;
  // Keys each actor (a synchronous thread, an asynchronous slot) owns.
  int keys_per_actor = 3;
  // The client's per-call deadline, and how much later than it a call may
  // complete (scheduling on a loaded 2-core machine, sanitizers).
  absl::Duration timeout = absl::Milliseconds(300);
  absl::Duration margin = absl::Milliseconds(700);
  // "127.0.0.1:<port>": every error's message must name it.
  std::string server;
  // The codes an error may have.
  std::vector<absl::StatusCode> allowed_errors = {
      absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded};
};

// What a run saw. The contract: wrong, late, unexpected_errors,
// unnamed_errors, callbacks_repeated and callbacks_missing are all zero.
struct StressReport {
  int64_t calls = 0;        // Completed calls, synchronous and async.
  int64_t async_calls = 0;  // Of which asynchronous.
  int64_t ok_calls = 0;
  int64_t failed_calls = 0;    // Whole calls or batch keys that failed.
  int64_t values_checked = 0;  // Reads checked against the ledger.
  int64_t wrong = 0;
  int64_t late = 0;  // Completed after timeout + margin.
  int64_t unexpected_errors = 0;
  int64_t unnamed_errors = 0;  // Errors whose message names no server.
  int64_t callbacks_issued = 0;
  int64_t callbacks_repeated = 0;  // Called again, or for no call.
  int64_t callbacks_missing = 0;   // Never called within the wait.
  absl::Duration slowest_sync;
  absl::Duration slowest_async;
  std::string slowest_async_operation;  // Its operation, e.g. "Get".
  int64_t errors_by_code[17] = {};      // Indexed by absl::StatusCode.
  std::vector<std::string> samples;     // The first problems seen.

  std::string ToString() const;
};

// Drives one shared Client from synchronous threads and asynchronous
// callers at once, every key owned by one actor that runs one operation on
// it at a time (Set, Get, Delete, BatchGet and BatchSet of its keys), and
// checks every read against `ledger`, every completion time against the
// deadline and every callback for exactly one call.
//
// The client and the ledger must outlive the load, and the client must be
// destroyed before the load if Stop() reported missing callbacks (they
// may still come).
class StressLoad {
 public:
  StressLoad(Client& client, StressLedger& ledger, StressOptions options);
  StressLoad(const StressLoad&) = delete;
  StressLoad& operator=(const StressLoad&) = delete;
  ~StressLoad();

  // The ledger size the options need: one key range per actor.
  static int KeysNeeded(const StressOptions& options);

  void Start();
  // Stops issuing calls, joins the synchronous threads, and waits up to
  // `wait` for every outstanding callback.
  void Stop(absl::Duration wait);

  // Calls completed OK so far (progress between phases).
  int64_t ok_calls() const { return ok_calls_.load(); }

  // Reads every key once with a synchronous Get and checks it (after Stop,
  // with the server healthy). Counted in the report.
  void VerifyAll();

  StressReport report() const;

 private:
  enum class Kind { kSet, kGet, kDelete, kBatchGet, kBatchSet };
  struct Op {
    Kind kind = Kind::kGet;
    std::vector<int> keys;                           // Ledger indexes.
    std::vector<std::optional<std::string>> values;  // Writes' values.
    uint64_t epoch = 0;
    absl::Time start;
    int slot = -1;  // Async only.
    uint64_t id = 0;
  };
  struct Caller;

  Op NextOp(int actor, uint32_t draw, bool batches);
  static const char* KindName(Kind kind);
  void RunSync(int actor);
  void RunCaller(Caller& caller);
  void Issue(Caller& caller, int slot, uint32_t draw);
  void Completed(Caller& caller, const Op& op);

  // Each records a completed call: its time, its errors, and its values in
  // the ledger (writes) or against it (reads).
  void RecordWrite(const Op& op, const absl::Status& status);
  void RecordGet(const Op& op, const absl::StatusOr<std::string>& got);
  void RecordBatchGet(const Op& op, const absl::StatusOr<BatchGetResult>& got);
  void RecordBatchWrite(const Op& op,
                        const absl::StatusOr<BatchWriteResult>& got);
  void RecordTime(const Op& op);
  void CheckError(const std::string& what, const absl::Status& status);
  void CheckRead(int key, const std::optional<std::string>& got);
  void Problem(std::atomic<int64_t>& counter, std::string sample);

  Client& client_;
  StressLedger& ledger_;
  const StressOptions options_;

  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<Caller>> callers_;
  std::atomic<uint64_t> next_id_{0};

  std::atomic<int64_t> calls_{0}, async_calls_{0}, ok_calls_{0},
      failed_calls_{0}, values_checked_{0}, wrong_{0}, late_{0},
      unexpected_errors_{0}, unnamed_errors_{0}, callbacks_issued_{0},
      callbacks_repeated_{0}, callbacks_missing_{0};
  mutable std::mutex mu_;
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  absl::Duration slowest_[2] ABSL_GUARDED_BY(mu_);  // Sync, async.
  const char* slowest_async_operation_ ABSL_GUARDED_BY(mu_) = "";
  std::atomic<int64_t> errors_by_code_[17] = {};
  std::vector<std::string> samples_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_ASYNC_STRESS_STRESS_LOAD_H_
