#ifndef KIVI_INTEGRATION_HARNESS_POSTGRES_PROCESS_H_
#define KIVI_INTEGRATION_HARNESS_POSTGRES_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "integration/harness/child_process.h"
#include "integration/harness/memcached_process.h"  // InCi()

namespace kivi::testing {

// The directory holding initdb and postgres: $KIVI_POSTGRES_BIN if set,
// else Debian's /usr/lib/postgresql/15/bin.
std::string PostgresBinDir();
// True if initdb and postgres are executable there.
bool PostgresAvailable();

// A PostgreSQL server owned by a test: a fresh cluster (a copy of one
// initdb made once per machine, see postgres_process.cc) in a temporary
// directory, listening on 127.0.0.1 only, on a free port, with
// its unix socket in that directory, fsync on. Runs as the `postgres` user
// when the test runs as root (initdb refuses root). The destructor stops
// it and removes the directory.
// Not thread-safe.
class PostgresProcess {
 public:
  // Creates the cluster and starts the server; Internal with initdb's or
  // the server's output when either fails.
  static absl::StatusOr<std::unique_ptr<PostgresProcess>> Start();

  PostgresProcess(const PostgresProcess&) = delete;
  PostgresProcess& operator=(const PostgresProcess&) = delete;
  ~PostgresProcess();

  int port() const { return port_; }
  // The postmaster's process id (of the latest start).
  pid_t pid() const { return process_ != nullptr ? process_->pid() : -1; }
  // "postgres://postgres@127.0.0.1:<port>/postgres".
  std::string url() const;
  // A libpq connection string for the same database, for tests that talk
  // to the server directly.
  std::string conninfo() const;

  // SIGKILL to the postmaster and every process it started, as a
  // machine crash would end them; returns once the postmaster is reaped.
  void Kill();
  // Stops it cleanly (fast shutdown) if running.
  void Stop();
  // Starts the server again over the same data directory and port (crash
  // recovery runs when it was killed).
  absl::Status Restart();

 private:
  PostgresProcess(std::string dir, int port) : dir_(dir), port_(port) {}
  absl::Status Launch();

  std::string dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace kivi::testing

// In a test body or fixture SetUp: skips the test when PostgreSQL is not
// installed, or fails it under CI=true.
#define KIVI_REQUIRE_POSTGRES()                                               \
  do {                                                                        \
    if (!::kivi::testing::PostgresAvailable()) {                              \
      if (::kivi::testing::InCi()) {                                          \
        GTEST_FAIL() << "PostgreSQL not found in "                            \
                     << ::kivi::testing::PostgresBinDir()                     \
                     << " and CI=true: install it (scripts/install-deps.sh)"; \
      }                                                                       \
      GTEST_SKIP() << "PostgreSQL not found in "                              \
                   << ::kivi::testing::PostgresBinDir()                       \
                   << "; install it to run this test";                        \
    }                                                                         \
  } while (false)

#endif  // KIVI_INTEGRATION_HARNESS_POSTGRES_PROCESS_H_
