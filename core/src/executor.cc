#include "kivi/executor.h"

#include <utility>

namespace kivi {

Executor::Executor(ExecutorOptions options) : options_(options) {
  if (options_.threads < 1) options_.threads = 1;
}

Executor::~Executor() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  ready_.notify_all();
  for (std::thread& worker : workers) worker.join();
}

bool Executor::Schedule(Task& task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= options_.max_queued) return false;
    queue_.push_back(std::move(task));
    // A worker per queued task up to the limit: a pool that never runs
    // more than one call at a time keeps one thread.
    if (workers_.size() < static_cast<size_t>(options_.threads) &&
        queue_.size() > idle_) {
      workers_.emplace_back([this] { Work(); });
    }
  }
  ready_.notify_one();
  return true;
}

void Executor::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // Stopping, and nothing left to run.
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::move(task)();
    lock.lock();
  }
}

}  // namespace kivi
