#ifndef KIVI_HEALTH_CHECKER_H_
#define KIVI_HEALTH_CHECKER_H_

#include <functional>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kivi/results.h"

namespace kivi {

// How a HealthChecker probes, with Kubernetes probe semantics.
struct HealthCheckerOptions {
  // Time between the start of one probe and the start of the next.
  absl::Duration interval = absl::Seconds(5);
  // Each probe's deadline, passed to the backend's Health().
  absl::Duration timeout = absl::Seconds(1);
  // Consecutive failed probes that turn a serving checker not serving.
  int failure_threshold = 3;
  // Consecutive good probes that turn a not-serving checker serving.
  int success_threshold = 1;
};

// Probes a backend in the background and keeps the verdict, so that a
// health query answers at once from the last result and never waits on the
// backend. The checker starts NOT serving and turns serving after
// `success_threshold` good probes; the first probe runs immediately.
// Logged to stderr: every change of verdict, and the first failed probe of
// each run of failures (so a backend unreachable from the start is reported
// with its reason, though the verdict stays NOT serving).
//
// Thread-safe. The destructor stops the probing thread (waiting for a probe
// in flight, which is bounded by `timeout`).
class HealthChecker {
 public:
  // Runs one probe within the given timeout.
  using Probe = std::function<HealthReport(absl::Duration timeout)>;
  // Called on every change of verdict, from the probing thread, with the
  // report that caused it. Must not call back into the checker's destructor.
  using Listener = std::function<void(bool serving, const HealthReport&)>;

  // Starts probing. InvalidArgument naming the option when interval or
  // timeout is not positive or a threshold is below 1.
  static absl::StatusOr<std::unique_ptr<HealthChecker>> Start(
      Probe probe, const HealthCheckerOptions& options,
      Listener listener = nullptr);

  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;
  ~HealthChecker();

  // The current verdict.
  bool serving() const;
  // The most recent probe's report (empty before the first probe ends).
  HealthReport last_report() const;
  // Blocks until the verdict is `serving` or `timeout` passes; returns
  // whether it got there. For tests and start-up sequencing.
  bool WaitFor(bool serving, absl::Duration timeout) const;

 private:
  HealthChecker(Probe probe, const HealthCheckerOptions& options,
                Listener listener);
  void Run();

  const Probe probe_;
  const HealthCheckerOptions options_;
  const Listener listener_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  int consecutive_good_ ABSL_GUARDED_BY(mu_) = 0;
  int consecutive_bad_ ABSL_GUARDED_BY(mu_) = 0;
  HealthReport last_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace kivi

#endif  // KIVI_HEALTH_CHECKER_H_
