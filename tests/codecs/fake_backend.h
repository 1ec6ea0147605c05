#ifndef KIVI_TESTS_CODECS_FAKE_BACKEND_H_
#define KIVI_TESTS_CODECS_FAKE_BACKEND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kivi/backend.h"
#include "kivi/capabilities.h"
#include "kivi/results.h"

namespace kivi::codecs_test {

// A map-backed Backend, just enough to drive a Client in the typed-view
// tests without depending on a real backend module. No TTLs.
class FakeBackend : public Backend {
 public:
  Capabilities capabilities() const override {
    Capabilities caps;
    caps.add = true;
    caps.replace = true;
    caps.increment = true;
    caps.compare_and_set = true;
    return caps;
  }

  absl::StatusOr<std::string> Get(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return NotFound(key);
    return it->second.value;
  }

  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    Store(key, value);
    return absl::OkStatus();
  }

  absl::Status Delete(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    entries_.erase(std::string(key));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> keys;
    for (const auto& [key, entry] : entries_) {
      if (absl::StartsWith(key, prefix)) keys.push_back(key);
    }
    return keys;
  }

  HealthReport Health(absl::Duration timeout) override {
    HealthReport report;
    report.endpoints.push_back({.endpoint = "fake", .ok = true});
    return report;
  }

  absl::Status Add(absl::string_view key, absl::string_view value,
                   absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    if (entries_.contains(key)) {
      return absl::AlreadyExistsError(absl::StrCat("key ", key, " exists"));
    }
    Store(key, value);
    return absl::OkStatus();
  }

  absl::Status Replace(absl::string_view key, absl::string_view value,
                       absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    if (!entries_.contains(key)) return NotFound(key);
    Store(key, value);
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Increment(absl::string_view key, int64_t delta,
                                     uint64_t initial, bool create,
                                     absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (!create) return NotFound(key);
      Store(key, absl::StrCat(initial));
      return initial;
    }
    uint64_t number = 0;
    if (!absl::SimpleAtoi(it->second.value, &number)) {
      return absl::FailedPreconditionError(
          absl::StrCat("key ", key, " does not hold a number"));
    }
    if (delta >= 0) {
      number += static_cast<uint64_t>(delta);
    } else {
      const uint64_t down = static_cast<uint64_t>(-(delta + 1)) + 1;
      number = number > down ? number - down : 0;
    }
    Store(key, absl::StrCat(number));
    return number;
  }

  absl::StatusOr<VersionedValue> GetVersioned(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return NotFound(key);
    return VersionedValue{it->second.value, it->second.version};
  }

  absl::Status CompareAndSet(absl::string_view key, absl::string_view value,
                             uint64_t version, absl::Duration ttl) override {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return NotFound(key);
    if (it->second.version != version) {
      return absl::AbortedError(absl::StrCat("key ", key, " changed"));
    }
    Store(key, value);
    return absl::OkStatus();
  }

 private:
  struct Entry {
    std::string value;
    uint64_t version = 0;
  };

  static absl::Status NotFound(absl::string_view key) {
    return absl::NotFoundError(absl::StrCat("key ", key, " not found"));
  }

  void Store(absl::string_view key, absl::string_view value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    entries_[std::string(key)] = Entry{std::string(value), ++next_version_};
  }

  absl::Mutex mu_;
  absl::btree_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kivi::codecs_test

#endif  // KIVI_TESTS_CODECS_FAKE_BACKEND_H_
