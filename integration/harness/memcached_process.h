#ifndef KIVI_INTEGRATION_HARNESS_MEMCACHED_PROCESS_H_
#define KIVI_INTEGRATION_HARNESS_MEMCACHED_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "integration/harness/child_process.h"

namespace kivi::testing {

// The memcached binary: $KIVI_MEMCACHED if set, else /usr/bin/memcached.
std::string MemcachedBinary();
// True if MemcachedBinary() is an executable file.
bool MemcachedAvailable();
// True when the environment says this is CI (CI=true): missing servers are
// then failures, never skips.
bool InCi();

// A memcached server owned by a test, listening on 127.0.0.1 only (TCP; UDP
// off). The destructor always stops it.
class MemcachedProcess {
 public:
  // Starts memcached on `port` (0: a free port) with `extra_args` (e.g.
  // {"-X"}, {"-I", "64k"}, {"-Y", authfile}) and waits until it serves
  // requests on a listener of its own (not another process's server on the
  // same port). With port 0 a port lost to another process is retried.
  // Internal with the server's output when it does not come up.
  static absl::StatusOr<std::unique_ptr<MemcachedProcess>> Start(
      std::vector<std::string> extra_args = {}, int port = 0);

  MemcachedProcess(const MemcachedProcess&) = delete;
  MemcachedProcess& operator=(const MemcachedProcess&) = delete;
  ~MemcachedProcess() { Stop(); }

  int port() const { return port_; }
  // The process id of the latest start.
  pid_t pid() const { return process_ != nullptr ? process_->pid() : -1; }
  // "127.0.0.1:<port>".
  std::string address() const;
  bool running() { return process_ != nullptr && process_->Running(); }

  // Sends `signal`: SIGKILL to crash it, SIGSTOP/SIGCONT to freeze it.
  void Signal(int signal);
  // Stops the server at once (SIGKILL: a cache has nothing to save).
  void Stop();
  // Stops it if running, then starts it again on the same port with the
  // same arguments (an empty cache).
  absl::Status Restart();

 private:
  MemcachedProcess(std::vector<std::string> extra_args, int port)
      : extra_args_(std::move(extra_args)), port_(port) {}
  absl::Status Launch();

  std::vector<std::string> extra_args_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace kivi::testing

// In a test body or fixture SetUp: skips the test when memcached is not
// installed, or fails it under CI=true.
#define KIVI_REQUIRE_MEMCACHED()                                              \
  do {                                                                        \
    if (!::kivi::testing::MemcachedAvailable()) {                             \
      if (::kivi::testing::InCi()) {                                          \
        GTEST_FAIL() << "memcached not found at "                             \
                     << ::kivi::testing::MemcachedBinary()                    \
                     << " and CI=true: install it (scripts/install-deps.sh)"; \
      }                                                                       \
      GTEST_SKIP() << "memcached not found at "                               \
                   << ::kivi::testing::MemcachedBinary()                      \
                   << "; install it to run this test";                        \
    }                                                                         \
  } while (false)

#endif  // KIVI_INTEGRATION_HARNESS_MEMCACHED_PROCESS_H_
