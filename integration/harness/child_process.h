#ifndef KIVI_INTEGRATION_HARNESS_CHILD_PROCESS_H_
#define KIVI_INTEGRATION_HARNESS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kivi::testing {

// A child process owned by a test: started with fork/exec in a process
// group of its own, its output captured to a temporary file (for error
// messages), killed with the test process (PR_SET_PDEATHSIG) and always
// stopped by the destructor.
// Not thread-safe.
class ChildProcess {
 public:
  // Starts `argv` (argv[0] is the program path). Internal if it cannot be
  // started.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      std::vector<std::string> argv);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, ...). A stopped child is not
  // resumed by this call. SIGSTOP returns only once every thread of the
  // child is stopped (or after 10 s): kill() returns before the stop takes
  // effect, and until then the child still serves requests (measured: a
  // request sent right after kill(SIGSTOP) was answered 247 times in 300 on
  // a loaded machine, and the last thread stopped up to 115 ms later).
  void Signal(int signal);

  // True if every thread of the child is stopped (by a signal or a tracer).
  bool AllThreadsStopped() const;

  // True while the child has not exited (a stopped child is running).
  bool Running();

  // Ends the child: SIGCONT + SIGTERM, then SIGKILL after `grace`; reaps
  // it. OK if it was already gone.
  void Stop(absl::Duration grace = absl::Seconds(2));

  // Waits until `ready()` holds, the child exits, or `timeout` passes.
  // Internal (with the child's output) when it exited or timed out.
  absl::Status WaitUntil(absl::FunctionRef<bool()> ready,
                         absl::Duration timeout);

  // The child's combined stdout/stderr so far (at most the last 4 KiB).
  std::string Output() const;

 private:
  ChildProcess(pid_t pid, std::string output_path)
      : pid_(pid), output_path_(std::move(output_path)) {}

  pid_t pid_;
  bool reaped_ = false;
  std::string output_path_;
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_HARNESS_CHILD_PROCESS_H_
