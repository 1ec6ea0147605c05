#ifndef KIVI_EXECUTOR_H_
#define KIVI_EXECUTOR_H_

// A small bounded thread pool: where asynchronous calls run on backends
// that have no native way to complete them without blocking a thread
// (Backend::Submit's default).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"

namespace kivi {

struct ExecutorOptions {
  // At most this many worker threads. They start as tasks arrive (one
  // more whenever a task finds no idle worker), so a client that never
  // makes an asynchronous call starts none.
  int threads = 4;
  // Tasks that may wait for a worker. Beyond this, Schedule refuses, so a
  // caller that submits faster than the store answers learns so at once
  // instead of queueing without limit.
  size_t max_queued = 4096;
};

// Thread-safe. Guarded by a std::mutex for the reason given in
// net/pool.h (Debian's abseil runs deadlock detection on every lock).
class Executor {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  explicit Executor(ExecutorOptions options = {});
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  // Runs every task already queued, then joins the workers.
  ~Executor();

  // Queues `task` to run on a worker. False, and `task` untouched, when
  // max_queued tasks are already waiting.
  bool Schedule(Task& task);

  const ExecutorOptions& options() const { return options_; }

 private:
  void Work();

  ExecutorOptions options_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;  // Workers waiting for a task.
};

}  // namespace kivi

#endif  // KIVI_EXECUTOR_H_
