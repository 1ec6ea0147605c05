#include "integration/harness/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kivi::testing {

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    std::vector<std::string> argv) {
  char path[] = "/tmp/kivi-child-XXXXXX";
  int out = ::mkstemp(path);
  if (out < 0) {
    return absl::InternalError(absl::StrCat("mkstemp: ", std::strerror(errno)));
  }
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // Its own process group: a test that stops the child (SIGSTOP) must not
    // leave a stopped process in the test's group, which the kernel answers
    // with SIGHUP to the whole group once it is orphaned (a test run whose
    // launching shell has exited).
    ::setpgid(0, 0);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  // Also here, so the group exists when Start returns, whichever process
  // runs first (fails harmlessly once the child has exec'd: it set it).
  ::setpgid(pid, pid);
  ::close(out);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, path));
}

ChildProcess::~ChildProcess() {
  Stop();
  ::unlink(output_path_.c_str());
}

void ChildProcess::Signal(int signal) {
  if (reaped_) return;
  ::kill(pid_, signal);
  if (signal != SIGSTOP) return;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!AllThreadsStopped() && absl::Now() < deadline) {
    absl::SleepFor(absl::Microseconds(200));
  }
}

bool ChildProcess::AllThreadsStopped() const {
  const std::filesystem::path tasks =
      std::filesystem::path("/proc") / std::to_string(pid_) / "task";
  std::error_code error;
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream file(task.path() / "stat");
    std::string stat;
    std::getline(file, stat);
    // "tid (comm) S ...": the state follows the last ')'.
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() ||
        (stat[paren + 2] != 'T' && stat[paren + 2] != 't')) {
      return false;
    }
    any = true;
  }
  return any && !error;
}

bool ChildProcess::Running() {
  if (reaped_) return false;
  int status;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
  return !reaped_;
}

void ChildProcess::Stop(absl::Duration grace) {
  if (!Running()) return;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGTERM);
  absl::Time deadline = absl::Now() + grace;
  while (Running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  if (Running()) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
  }
}

absl::Status ChildProcess::WaitUntil(absl::FunctionRef<bool()> ready,
                                     absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ready()) return absl::OkStatus();
    if (!Running()) {
      return absl::InternalError(
          absl::StrCat("process ", pid_, " exited early; output:\n", Output()));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::InternalError(
      absl::StrCat("process ", pid_, " not ready within ",
                   absl::FormatDuration(timeout), "; output:\n", Output()));
}

std::string ChildProcess::Output() const {
  std::ifstream in(output_path_);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > 4096 ? all.substr(all.size() - 4096) : all;
}

}  // namespace kivi::testing
