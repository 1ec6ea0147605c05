#include "integration/harness/postgres_process.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "integration/harness/ports.h"
#include "kivi/status_macros.h"

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

// Runs `argv` as the server user to completion (at most a minute); Internal
// with its output unless `product` exists afterwards.
absl::Status RunAsServerUser(std::vector<std::string> argv,
                             absl::string_view what,
                             const std::string& product) {
  KIVI_ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> child,
                        StartAsServerUser(std::move(argv)));
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (child->Running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (child->Running() || !std::filesystem::exists(product)) {
    return absl::InternalError(
        absl::StrCat(what, " failed:\n", child->Output()));
  }
  return absl::OkStatus();
}

// A new directory under /tmp named `prefix`-XXXXXX, owned by the server
// user.
absl::StatusOr<std::string> ServerUserDir(absl::string_view prefix) {
  std::string dir = absl::StrCat("/tmp/", prefix, "-XXXXXX");
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam(kUser);
    if (user == nullptr ||
        ::chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0) {
      return absl::InternalError(
          absl::StrCat("cannot give ", dir, " to user ", kUser));
    }
  }
  return dir;
}

// A freshly initialised cluster that every server starts from a copy of:
// initdb takes seconds, a copy a fraction of one, and a test binary run
// case by case starts a server per case. Made once per machine and
// PostgreSQL (kept in /tmp), atomically (initdb into a private directory,
// then rename), so concurrent test processes never see half of one.
absl::StatusOr<std::string> TemplateCluster() {
  const std::string cluster = absl::StrCat(
      "/tmp/kivi-pg-template-2-", std::hash<std::string>{}(PostgresBinDir()),
      "-", ::geteuid());
  if (std::filesystem::exists(cluster + "/data/PG_VERSION")) {
    return cluster + "/data";
  }
  KIVI_ASSIGN_OR_RETURN(const std::string scratch,
                        ServerUserDir("kivi-pg-initdb"));
  // --no-sync: the template need not survive a crash of this machine; the
  // servers run with fsync on.
  absl::Status made =
      RunAsServerUser({PostgresBinDir() + "/initdb", "-D", scratch + "/data",
                       "-U", kUser, "--auth=trust", "--encoding=UTF8",
                       "--locale=C", "--no-sync", "--no-instructions"},
                      "initdb", scratch + "/data/PG_VERSION");
  if (made.ok() && ::rename(scratch.c_str(), cluster.c_str()) != 0 &&
      !std::filesystem::exists(cluster + "/data/PG_VERSION")) {
    made = absl::InternalError(
        absl::StrCat("rename to ", cluster, ": ", std::strerror(errno)));
  }
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);  // Lost the race, or failed.
  KIVI_RETURN_IF_ERROR(made);
  return cluster + "/data";
}

// The processes whose parent is `parent` (from /proc).
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    if (fields >> state >> ppid && ppid == parent) children.push_back(pid);
  }
  return children;
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
  KIVI_ASSIGN_OR_RETURN(const std::string cluster, TemplateCluster());
  KIVI_ASSIGN_OR_RETURN(const std::string dir, ServerUserDir("kivi-pg"));
  std::unique_ptr<PostgresProcess> server(new PostgresProcess(dir, 0));
  KIVI_RETURN_IF_ERROR(RunAsServerUser(
      {"/bin/cp", "-a", cluster, server->dir_ + "/data"}, "copying the cluster",
      server->dir_ + "/data/PG_VERSION"));
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
  // The directory goes with the server: a clean shutdown's checkpoint would
  // only cost time (seconds, syncing the copied cluster).
  Kill();
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
  // Backends run in sessions of their own (setsid), outside the
  // postmaster's process group, and one that has not yet noticed its
  // postmaster's death still answers its client. Frozen first, so that it
  // forks no new one, the postmaster goes with all its children at once.
  const pid_t postmaster = process_->pid();
  ::kill(postmaster, SIGSTOP);
  for (pid_t child : ChildrenOf(postmaster)) ::kill(child, SIGKILL);
  ::kill(postmaster, SIGKILL);
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
  Kill();
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
