#ifndef KIVI_INTEGRATION_HARNESS_REDIS_PROCESS_H_
#define KIVI_INTEGRATION_HARNESS_REDIS_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "integration/harness/child_process.h"
#include "integration/harness/memcached_process.h"

namespace kivi::testing {

// The redis-server binary: $KIVI_REDIS_SERVER if set, else
// /usr/bin/redis-server; redis-cli: $KIVI_REDIS_CLI, else /usr/bin/redis-cli.
std::string RedisServerBinary();
std::string RedisCliBinary();
// True if both are executable files.
bool RedisAvailable();

// A redis-server owned by a test, listening on 127.0.0.1 only, with no
// persistence (--save "" --appendonly no) and its working directory in a
// temporary directory of its own, removed with it. The destructor always
// stops it.
class RedisProcess {
 public:
  // Starts redis-server on a free port with `extra_args` (e.g.
  // {"--requirepass", "pw"}, {"--cluster-enabled", "yes"}) and waits until
  // it serves on a listener of its own. A port lost to another process is
  // retried with a new one. With `tls`, the port is a --tls-port (and the
  // plain port is off); extra_args must then name the certificates.
  // Internal with the server's output when it does not come up.
  static absl::StatusOr<std::unique_ptr<RedisProcess>> Start(
      std::vector<std::string> extra_args = {}, bool tls = false);

  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;
  ~RedisProcess();

  int port() const { return port_; }
  pid_t pid() const { return process_ != nullptr ? process_->pid() : -1; }
  // "127.0.0.1:<port>".
  std::string address() const;
  // The server's working directory (a temporary directory of its own).
  const std::string& dir() const { return dir_; }
  bool running() { return process_ != nullptr && process_->Running(); }

  // Sends `signal`: SIGKILL to crash it, SIGSTOP/SIGCONT to freeze it.
  void Signal(int signal);
  // Stops the server at once (SIGKILL: nothing is persisted anyway).
  void Stop();
  // Stops it if running, then starts it again on the same port with the
  // same arguments (an empty store: nothing is persisted).
  absl::Status Restart();

  // Runs redis-cli against this server (plain TCP only) with `args` as the
  // command and returns its standard output without the final newline.
  // `cli_options` go before the command (e.g. {"--user", "u", "--pass",
  // "p"}). Internal when redis-cli cannot run or exits non-zero.
  absl::StatusOr<std::string> Cli(
      const std::vector<std::string>& args,
      const std::vector<std::string>& cli_options = {}) const;

 private:
  RedisProcess(std::vector<std::string> extra_args, bool tls, int port,
               std::string dir)
      : extra_args_(std::move(extra_args)),
        tls_(tls),
        port_(port),
        dir_(std::move(dir)) {}
  absl::Status Launch();

  std::vector<std::string> extra_args_;
  bool tls_;
  int port_;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

// A Redis Cluster of `masters` masters without replicas, each a
// RedisProcess with cluster mode on, joined by `redis-cli --cluster
// create` (slots spread evenly) and ready once every node reports
// cluster_state:ok. Stopped with its nodes.
class RedisCluster {
 public:
  static absl::StatusOr<std::unique_ptr<RedisCluster>> Start(int masters = 3);

  // The nodes, in slot order (node 0 holds slots 0..).
  const std::vector<std::unique_ptr<RedisProcess>>& nodes() const {
    return nodes_;
  }
  RedisProcess& node(size_t i) { return *nodes_[i]; }
  // "127.0.0.1:p1,127.0.0.1:p2,..." for redis+cluster:// URLs.
  std::string SeedList() const;

 private:
  std::vector<std::unique_ptr<RedisProcess>> nodes_;
};

}  // namespace kivi::testing

// In a test body or fixture SetUp: skips the test when redis-server or
// redis-cli is not installed, or fails it under CI=true.
#define KIVI_REQUIRE_REDIS()                                           \
  do {                                                                 \
    if (!::kivi::testing::RedisAvailable()) {                          \
      if (::kivi::testing::InCi()) {                                   \
        GTEST_FAIL()                                                   \
            << "redis-server/redis-cli not found at "                  \
            << ::kivi::testing::RedisServerBinary()                    \
            << " and CI=true: install them (scripts/install-deps.sh)"; \
      }                                                                \
      GTEST_SKIP() << "redis-server/redis-cli not found at "           \
                   << ::kivi::testing::RedisServerBinary()             \
                   << "; install them to run this test";               \
    }                                                                  \
  } while (false)

#endif  // KIVI_INTEGRATION_HARNESS_REDIS_PROCESS_H_
