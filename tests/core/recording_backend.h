#ifndef KIVI_TESTS_CORE_RECORDING_BACKEND_H_
#define KIVI_TESTS_CORE_RECORDING_BACKEND_H_

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "kivi/backend.h"

namespace kivi::testing {

// A map-backed Backend that records every call it receives, so tests can
// assert what core forwarded (and that rejected input forwarded nothing).
class RecordingBackend : public Backend {
 public:
  explicit RecordingBackend(Capabilities caps = Capabilities::All())
      : caps_(caps) {}

  Capabilities capabilities() const override { return caps_; }

  absl::StatusOr<std::string> Get(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    Record("Get", key);
    auto it = data_.find(std::string(key));
    if (it == data_.end()) return absl::NotFoundError(std::string(key));
    return it->second;
  }
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    Record("Set", key);
    last_ttl_ = ttl;
    data_[std::string(key)] = std::string(value);
    return absl::OkStatus();
  }
  absl::Status Delete(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    Record("Delete", key);
    data_.erase(std::string(key));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override {
    absl::MutexLock lock(&mu_);
    Record("List", prefix);
    std::vector<std::string> out;
    // Reverse order: the client must sort.
    for (auto it = data_.rbegin(); it != data_.rend(); ++it) {
      if (absl::string_view(it->first).substr(0, prefix.size()) == prefix) {
        out.push_back(it->first);
      }
    }
    return out;
  }
  HealthReport Health(absl::Duration) override {
    return HealthReport{{EndpointHealth{"recording", true}}};
  }
  absl::StatusOr<uint64_t> Increment(absl::string_view key, int64_t delta,
                                     uint64_t initial, bool create,
                                     absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    Record("Increment", key);
    last_ttl_ = ttl;
    return initial + static_cast<uint64_t>(delta);
  }

  std::vector<std::string> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  absl::Duration last_ttl() const {
    absl::MutexLock lock(&mu_);
    return last_ttl_;
  }

 private:
  void Record(absl::string_view op, absl::string_view key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    calls_.push_back(std::string(op) + " " + std::string(key));
  }

  const Capabilities caps_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> data_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  absl::Duration last_ttl_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kivi::testing

#endif  // KIVI_TESTS_CORE_RECORDING_BACKEND_H_
