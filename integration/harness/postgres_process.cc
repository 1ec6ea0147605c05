#include "integration/harness/postgres_process.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "integration/harness/ports.h"

namespace kivi::testing {
namespace {

constexpr char kUser[] = "postgres";

// The command prefix running a program as kUser when we are root (initdb
// and postgres refuse to run as root). setpriv execs in place, so signals
// reach the server itself; changing user clears the parent-death signal
// ChildProcess set, so setpriv sets it again after the change.
std::vector<std::string> AsServerUser() {
  if (::geteuid() != 0) return {};
  return {"/usr/bin/setpriv",
          absl::StrCat("--reuid=", kUser),
          absl::StrCat("--regid=", kUser),
          "--init-groups",
          "--pdeathsig=KILL",
          "--"};
}

absl::StatusOr<std::unique_ptr<ChildProcess>> StartAsServerUser(
    std::vector<std::string> argv) {
  std::vector<std::string> full = AsServerUser();
  full.insert(full.end(), argv.begin(), argv.end());
  return ChildProcess::Start(full);
}

}  // namespace

std::string PostgresBinDir() {
  const char* env = std::getenv("KIVI_POSTGRES_BIN");
  return env != nullptr && *env != '\0' ? env : "/usr/lib/postgresql/15/bin";
}

bool PostgresAvailable() {
  return ::access((PostgresBinDir() + "/initdb").c_str(), X_OK) == 0 &&
         ::access((PostgresBinDir() + "/postgres").c_str(), X_OK) == 0;
}

absl::StatusOr<std::unique_ptr<PostgresProcess>> PostgresProcess::Start() {
  if (!PostgresAvailable()) {
    return absl::FailedPreconditionError(
        absl::StrCat("PostgreSQL not found in ", PostgresBinDir()));
  }
  char dir[] = "/tmp/kivi-pg-XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  std::unique_ptr<PostgresProcess> server(new PostgresProcess(dir, 0));
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam(kUser);
    if (user == nullptr || ::chown(dir, user->pw_uid, user->pw_gid) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot give ", dir, " to user ", kUser));
    }
  }
  // --no-sync: the cluster's files need not survive a crash of this
  // machine; the server itself runs with fsync on.
  absl::StatusOr<std::unique_ptr<ChildProcess>> initdb = StartAsServerUser(
      {PostgresBinDir() + "/initdb", "-D", server->dir_ + "/data", "-U", kUser,
       "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
       "--no-instructions"});
  if (!initdb.ok()) return initdb.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while ((*initdb)->Running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if ((*initdb)->Running() ||
      !std::filesystem::exists(server->dir_ + "/data/PG_VERSION")) {
    return absl::InternalError(
        absl::StrCat("initdb failed:\n", (*initdb)->Output()));
  }
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

PostgresProcess::~PostgresProcess() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresProcess::url() const {
  return absl::StrCat("postgres://", kUser, "@127.0.0.1:", port_, "/postgres");
}

std::string PostgresProcess::conninfo() const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=", kUser,
                      " dbname=postgres");
}

absl::Status PostgresProcess::Launch() {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = StartAsServerUser(
      {PostgresBinDir() + "/postgres", "-D", dir_ + "/data", "-p",
       absl::StrCat(port_), "-c", "listen_addresses=127.0.0.1", "-c",
       absl::StrCat("unix_socket_directories=", dir_), "-c", "fsync=on", "-c",
       "synchronous_commit=on", "-c", "max_connections=100", "-c",
       "shared_buffers=32MB", "-c", "log_min_messages=warning"});
  if (!child.ok()) return child.status();
  process_ = *std::move(child);
  const pid_t pid = process_->pid();
  const std::string conninfo = this->conninfo();
  const int port = port_;
  // Ours when the postmaster holds the port and the server takes logins
  // (after crash recovery, on a restart).
  absl::Status ready = process_->WaitUntil(
      [&] {
        return ProcessListensOn(pid, port) &&
               PQping(conninfo.c_str()) == PQPING_OK;
      },
      absl::Seconds(30));
  if (!ready.ok()) {
    process_->Stop(absl::ZeroDuration());
    return absl::InternalError(absl::StrCat(
        "postgres on port ", port_, " did not start: ", ready.message()));
  }
  return absl::OkStatus();
}

void PostgresProcess::Kill() {
  if (process_ == nullptr || !process_->Running()) return;
  ::kill(-process_->pid(), SIGKILL);
  process_->Stop(absl::ZeroDuration());
}

void PostgresProcess::Stop() {
  if (process_ == nullptr) return;
  if (process_->Running()) {
    process_->Signal(SIGINT);  // Fast shutdown: ends sessions, checkpoints.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (process_->Running() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  // Backends left behind (a killed postmaster) go with their group.
  ::kill(-process_->pid(), SIGKILL);
  process_->Stop(absl::ZeroDuration());
}

absl::Status PostgresProcess::Restart() {
  Stop();
  process_.reset();
  // Backends of a killed server may still be exiting and holding its
  // shared memory, which the new postmaster refuses to start beside.
  absl::Status last;
  for (int attempt = 0; attempt < 10; ++attempt) {
    last = Launch();
    if (last.ok()) return last;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return last;
}

}  // namespace kivi::testing
