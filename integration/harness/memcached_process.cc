#include "integration/harness/memcached_process.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "integration/harness/ports.h"

namespace kivi::testing {

std::string MemcachedBinary() {
  const char* env = std::getenv("KIVI_MEMCACHED");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/memcached";
}

bool MemcachedAvailable() {
  return ::access(MemcachedBinary().c_str(), X_OK) == 0;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

absl::StatusOr<std::unique_ptr<MemcachedProcess>> MemcachedProcess::Start(
    std::vector<std::string> extra_args, int port) {
  if (!MemcachedAvailable()) {
    return absl::FailedPreconditionError(
        absl::StrCat("memcached not found at ", MemcachedBinary()));
  }
  const int attempts = port == 0 ? 5 : 1;
  absl::Status last;
  for (int i = 0; i < attempts; ++i) {
    int p = port;
    if (p == 0) {
      absl::StatusOr<int> free = FreePort();
      if (!free.ok()) return free.status();
      p = *free;
    }
    std::unique_ptr<MemcachedProcess> server(
        new MemcachedProcess(extra_args, p));
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

std::string MemcachedProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status MemcachedProcess::Launch() {
  std::vector<std::string> argv = {MemcachedBinary(),   "-l", "127.0.0.1", "-p",
                                   absl::StrCat(port_), "-U", "0"};
  // memcached refuses to run as root unless told which user to be.
  if (::geteuid() == 0) {
    argv.push_back("-u");
    argv.push_back("root");
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start(argv);
  if (!child.ok()) return child.status();
  process_ = *std::move(child);
  // Ready once the port's listener is our child's (another process may hold
  // the port and answer there while ours failed to bind and is exiting) and
  // memcached has served a request on it.
  const pid_t pid = process_->pid();
  const int port = port_;
  absl::Status ready = process_->WaitUntil(
      [pid, port] {
        return ProcessListensOn(pid, port) && ServerAnswersOnPort(port);
      },
      absl::Seconds(10));
  if (!ready.ok()) {
    process_->Stop();
    return absl::InternalError(absl::StrCat(
        "memcached on port ", port_, " did not start: ", ready.message()));
  }
  return absl::OkStatus();
}

void MemcachedProcess::Signal(int signal) {
  if (process_ != nullptr) process_->Signal(signal);
}

void MemcachedProcess::Stop() {
  // A cache has nothing to save; SIGTERM would cost ~1s of graceful exit.
  if (process_ != nullptr) process_->Stop(absl::ZeroDuration());
}

absl::Status MemcachedProcess::Restart() {
  Stop();
  process_.reset();
  return Launch();
}

}  // namespace kivi::testing
