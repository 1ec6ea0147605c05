#include <functional>
#include <libcuckoo/cuckoohash_map.hh>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/targets.h"

namespace kivi_bench {
namespace {

// Hashes std::string and std::string_view alike, so that lookups take the
// caller's key without building a std::string.
struct ViewHash {
  size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>{}(s);
  }
};

using Map = libcuckoo::cuckoohash_map<std::string, std::string, ViewHash,
                                      std::equal_to<>>;

std::string_view View(absl::string_view s) { return {s.data(), s.size()}; }

class CuckooSession final : public Session {
 public:
  explicit CuckooSession(std::shared_ptr<Map> map) : map_(std::move(map)) {}

  // Copies the value out into a new string, as any store whose Get returns
  // the value by value must (kivi::Client::Get does), rather than into the
  // caller's reused buffer.
  absl::Status Get(absl::string_view key, std::string* value) override {
    std::string found;
    if (!map_->find(View(key), found)) {
      return absl::NotFoundError(absl::StrCat("cuckoo: ", key, " not found"));
    }
    *value = std::move(found);
    return absl::OkStatus();
  }

  // Overwrites in place when present, as kivi's memory store does.
  absl::Status Set(absl::string_view key, absl::string_view value) override {
    map_->upsert(
        View(key),
        [&](std::string& v) { v.assign(value.data(), value.size()); },
        View(value));
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> BatchGet(const KeyRun& run,
                                  size_t value_bytes) override {
    return absl::UnimplementedError("cuckoo: single-key workloads only");
  }

 private:
  std::shared_ptr<Map> map_;
};

class CuckooTarget final : public Target {
 public:
  std::string name() const override { return "cuckoo"; }
  bool Supports(Workload workload) const override { return !IsBatch(workload); }
  int latency_sample_every() const override { return 16; }
  absl::StatusOr<std::unique_ptr<Session>> NewSession() override {
    return std::make_unique<CuckooSession>(map_);
  }

 private:
  std::shared_ptr<Map> map_ = std::make_shared<Map>();
};

}  // namespace

std::unique_ptr<Target> NewCuckooMapTarget() {
  return std::make_unique<CuckooTarget>();
}

}  // namespace kivi_bench
