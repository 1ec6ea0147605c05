#include "integration/harness/redis_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "integration/harness/ports.h"

extern char** environ;

namespace kivi::testing {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* env = std::getenv(name);
  return env != nullptr && *env != '\0' ? env : fallback;
}

absl::StatusOr<std::string> MakeTempDir() {
  std::string pattern = "/tmp/kivi-redis-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  return pattern;
}

// Runs `argv` to completion within `timeout` and returns its stdout.
// Internal with the output when it cannot start, fails or overruns.
absl::StatusOr<std::string> Run(const std::vector<std::string>& argv,
                                absl::Duration timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  const int spawned =
      ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) {
    ::close(fds[0]);
    return absl::InternalError(absl::StrCat("cannot run ", argv[0]));
  }
  std::string output;
  const absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      timed_out = true;
      break;
    }
    pollfd p{.fd = fds[0], .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <=
        0) {
      continue;
    }
    char buffer[4096];
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "),
                     timed_out ? " timed out: " : " failed: ", output));
  }
  return std::string(absl::StripSuffix(output, "\n"));
}

}  // namespace

std::string RedisServerBinary() {
  return EnvOr("KIVI_REDIS_SERVER", "/usr/bin/redis-server");
}

std::string RedisCliBinary() {
  return EnvOr("KIVI_REDIS_CLI", "/usr/bin/redis-cli");
}

bool RedisAvailable() {
  return ::access(RedisServerBinary().c_str(), X_OK) == 0 &&
         ::access(RedisCliBinary().c_str(), X_OK) == 0;
}

absl::StatusOr<std::unique_ptr<RedisProcess>> RedisProcess::Start(
    std::vector<std::string> extra_args, bool tls) {
  if (!RedisAvailable()) {
    return absl::FailedPreconditionError(
        absl::StrCat("redis-server not found at ", RedisServerBinary()));
  }
  absl::Status last;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) return port.status();
    absl::StatusOr<std::string> dir = MakeTempDir();
    if (!dir.ok()) return dir.status();
    std::unique_ptr<RedisProcess> server(
        new RedisProcess(extra_args, tls, *port, *std::move(dir)));
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

RedisProcess::~RedisProcess() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status RedisProcess::Launch() {
  std::vector<std::string> argv = {RedisServerBinary(),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--daemonize",
                                   "no"};
  if (tls_) {
    argv.insert(argv.end(), {"--port", "0", "--tls-port", absl::StrCat(port_)});
  } else {
    argv.insert(argv.end(), {"--port", absl::StrCat(port_)});
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start(argv);
  if (!child.ok()) return child.status();
  process_ = *std::move(child);
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
        "redis-server on port ", port_, " did not start: ", ready.message()));
  }
  return absl::OkStatus();
}

void RedisProcess::Signal(int signal) {
  if (process_ != nullptr) process_->Signal(signal);
}

void RedisProcess::Stop() {
  if (process_ != nullptr) process_->Stop(absl::ZeroDuration());
}

absl::Status RedisProcess::Restart() {
  Stop();
  process_.reset();
  return Launch();
}

absl::StatusOr<std::string> RedisProcess::Cli(
    const std::vector<std::string>& args,
    const std::vector<std::string>& cli_options) const {
  std::vector<std::string> argv = {RedisCliBinary(),    "-h",
                                   "127.0.0.1",         "-p",
                                   absl::StrCat(port_), "--no-auth-warning"};
  argv.insert(argv.end(), cli_options.begin(), cli_options.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, absl::Seconds(10));
}

absl::StatusOr<std::unique_ptr<RedisCluster>> RedisCluster::Start(int masters) {
  auto cluster = std::make_unique<RedisCluster>();
  std::vector<std::string> create = {RedisCliBinary(), "--cluster", "create"};
  for (int i = 0; i < masters; ++i) {
    absl::StatusOr<int> bus_port = FreePort();
    if (!bus_port.ok()) return bus_port.status();
    // Without full coverage a node keeps serving its own slots while
    // another master is down, which is what fault tests observe.
    absl::StatusOr<std::unique_ptr<RedisProcess>> node = RedisProcess::Start(
        {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
         "--cluster-port", absl::StrCat(*bus_port), "--cluster-node-timeout",
         "2000", "--cluster-require-full-coverage", "no"});
    if (!node.ok()) return node.status();
    create.push_back((*node)->address());
    cluster->nodes_.push_back(*std::move(node));
  }
  create.push_back("--cluster-yes");
  absl::StatusOr<std::string> created = Run(create, absl::Seconds(30));
  if (!created.ok()) return created.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  for (const std::unique_ptr<RedisProcess>& node : cluster->nodes_) {
    while (true) {
      absl::StatusOr<std::string> info = node->Cli({"cluster", "info"});
      if (info.ok() && absl::StrContains(*info, "cluster_state:ok")) break;
      if (absl::Now() > deadline) {
        return absl::InternalError(absl::StrCat(
            "cluster node ", node->address(), " never reached state ok: ",
            info.ok() ? *info : info.status().ToString()));
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  return cluster;
}

std::string RedisCluster::SeedList() const {
  std::vector<std::string> seeds;
  for (const std::unique_ptr<RedisProcess>& node : nodes_) {
    seeds.push_back(node->address());
  }
  return absl::StrJoin(seeds, ",");
}

}  // namespace kivi::testing
