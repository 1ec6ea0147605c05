#include "src/shared_health_probe.h"

#include <utility>

namespace kivi {

void SharedHealthProbe::Probe(absl::Duration timeout, Done done) {
  const int64_t key = absl::ToInt64Nanoseconds(timeout);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [waiters, first] = waiting_.try_emplace(key);
    waiters->second.push_back(std::move(done));
    if (!first) return;  // Joins the probe in flight.
  }
  // Outside the lock: the callback may run before HealthAsync returns.
  client_.HealthAsync(timeout, [this, key](HealthReport report) {
    std::vector<Done> waiters;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto entry = waiting_.find(key);
      waiters = std::move(entry->second);
      waiting_.erase(entry);
    }
    for (Done& waiter : waiters) std::move(waiter)(report);
  });
}

}  // namespace kivi
