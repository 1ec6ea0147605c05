#ifndef KIVI_TESTS_TOOLS_SUBPROCESS_H_
#define KIVI_TESTS_TOOLS_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kivi::testing {

// What a finished process left behind.
struct ProcessResult {
  // The exit status, or 128 + the signal that killed it.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A child process with pipes on stdin, stdout and stderr. The owner always
// stops it: destroying a Subprocess that is still running kills it (SIGKILL)
// and reaps it.
class Subprocess {
 public:
  // Starts argv[0] (a path) with the given arguments.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv);

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  // Writes `input` to the child's stdin and closes it.
  absl::Status CloseStdin(absl::string_view input = "");
  // Reads one line of stdout (without the newline). DeadlineExceeded if
  // none arrives within `timeout`, NotFound at end of output.
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);
  // Sends `signal` to the child.
  void Signal(int signal);
  // The child's process id (for /proc; the Subprocess still owns it).
  pid_t pid() const { return pid_; }
  // Closes stdin if still open, reads stdout and stderr to their end, and
  // reaps the child.
  ProcessResult Finish();

 private:
  Subprocess(pid_t pid, int in, int out, int err)
      : pid_(pid), in_(in), out_(out), err_(err) {}

  pid_t pid_;
  int in_;
  int out_;
  int err_;
  std::string out_buffer_;  // stdout read by ReadLine but not yet returned.
};

// Runs argv to completion with `input` on stdin.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         absl::string_view input = "");

}  // namespace kivi::testing

#endif  // KIVI_TESTS_TOOLS_SUBPROCESS_H_
