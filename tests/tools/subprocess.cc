#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace kivi::testing {
namespace {

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Reads what is available on `fd` into `*out`; false at end of input.
bool ReadSome(int fd, std::string* out) {
  char buffer[16 * 1024];
  ssize_t n;
  do {
    n = read(fd, buffer, sizeof(buffer));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  out->append(buffer, static_cast<size_t>(n));
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv) {
  // A child that exits before reading its stdin must not kill the test.
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
      pipe2(err, O_CLOEXEC) != 0) {
    return Errno("pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  const int spawned =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (spawned != 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": ", std::strerror(spawned)));
  }
  return std::unique_ptr<Subprocess>(
      new Subprocess(pid, in[1], out[0], err[0]));
}

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  for (int fd : {in_, out_, err_}) {
    if (fd >= 0) close(fd);
  }
}

absl::Status Subprocess::CloseStdin(absl::string_view input) {
  if (in_ < 0) return absl::FailedPreconditionError("stdin already closed");
  while (!input.empty()) {
    const ssize_t n = write(in_, input.data(), input.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // The child stopped reading; it will say why.
    input.remove_prefix(static_cast<size_t>(n));
  }
  close(in_);
  in_ = -1;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Subprocess::ReadLine(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const size_t newline = out_buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = out_buffer_.substr(0, newline);
      out_buffer_.erase(0, newline + 1);
      return line;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line within ", absl::FormatDuration(timeout),
                       "; got \"", out_buffer_, "\""));
    }
    pollfd fd = {out_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) >
            0 &&
        !ReadSome(out_, &out_buffer_)) {
      return absl::NotFoundError("end of output before a full line");
    }
  }
}

void Subprocess::Signal(int signal) { kill(pid_, signal); }

ProcessResult Subprocess::Finish() {
  if (in_ >= 0) CloseStdin().IgnoreError();
  ProcessResult result;
  result.out = std::move(out_buffer_);
  out_buffer_.clear();
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? out_ : -1, POLLIN, 0},
                     {err_open ? err_ : -1, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (out_open && fds[0].revents != 0) out_open = ReadSome(out_, &result.out);
    if (err_open && fds[1].revents != 0) err_open = ReadSome(err_, &result.err);
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  result.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                     : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                           : -1;
  return result;
}

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         absl::string_view input) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(argv);
  if (!process.ok()) {
    return {.exit_code = -1, .err = std::string(process.status().message())};
  }
  (*process)->CloseStdin(input).IgnoreError();
  return (*process)->Finish();
}

}  // namespace kivi::testing
