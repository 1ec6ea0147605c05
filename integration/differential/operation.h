#ifndef KIVI_INTEGRATION_DIFFERENTIAL_OPERATION_H_
#define KIVI_INTEGRATION_DIFFERENTIAL_OPERATION_H_

// One randomly chosen call of the public API, and running it on a store so
// that the outcomes of two stores can be compared as strings.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "kivi/kivi.h"

namespace kivi::testing {

enum class OpKind {
  kSet,
  kGet,
  kDelete,
  kAdd,
  kReplace,
  kIncrement,
  kDecrement,
  kGetVersioned,
  kCompareAndSet,
  kAppend,
  kPrepend,
  kTouch,
  kGetAndTouch,
  kGetOrSet,
  kBatchGet,
  kBatchSet,
  kBatchDelete,
  kList,
  kFlush,
};

struct Operation {
  OpKind kind = OpKind::kGet;
  std::string key;
  std::string value;
  absl::Duration ttl = absl::ZeroDuration();
  int64_t delta = 0;
  uint64_t initial = 0;
  bool create = true;
  // CompareAndSet: a version seen before, by its place in the order of
  // first sight (so it names the same version on every store); -1: a
  // version never issued (`bogus_version`).
  int version_index = -1;
  uint64_t bogus_version = 0;
  bool loader_fails = false;  // GetOrSet.
  std::vector<std::string> keys;
  std::vector<KeyValue> entries;
};

// A random operation over a small pool of keys and of awkward values (odd
// numeric strings, empty, huge, over the limit) and TTL edges. TTLs are
// never short enough to expire during a run: expiry timing is the
// conformance suite's concern, and would differ by clock resolution.
// `versions_seen` is how many distinct versions the run has seen so far.
// `delayed_flush`: whether every store compared declares it; if not, a
// Flush never has a positive delay (the others would answer Unimplemented
// and then keep keys a delayed flush removes).
Operation RandomOperation(std::mt19937_64& rng, int versions_seen,
                          bool delayed_flush);

// The operation, readable, for a failure message.
std::string Describe(const Operation& op);

// Runs operations on one store and renders each outcome as a string: the
// status code, and the result (values escaped; versions as the index of
// their first sight, since stores number versions differently but must
// agree on which are equal).
class StoreRun {
 public:
  explicit StoreRun(Client& kv) : kv_(kv) {}

  std::string Apply(const Operation& op);

  int versions_seen() const { return static_cast<int>(versions_.size()); }

 private:
  std::string Version(uint64_t raw);

  Client& kv_;
  absl::flat_hash_map<uint64_t, int> version_index_;
  std::vector<uint64_t> versions_;  // By index of first sight.
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_DIFFERENTIAL_OPERATION_H_
