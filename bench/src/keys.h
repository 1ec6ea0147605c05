#ifndef KIVI_BENCH_KEYS_H_
#define KIVI_BENCH_KEYS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace kivi_bench {

// The number of distinct keys per value size: enough for the largest batch.
inline constexpr size_t kKeysPerSize = 1000;

// A run of keys in the three forms the clients take: std::string (kivi,
// gRPC), and parallel pointer/length arrays (libmemcached's mget).
struct KeyRun {
  absl::Span<const std::string> keys;
  const char* const* pointers = nullptr;
  const size_t* lengths = nullptr;
};

// kKeysPerSize keys "<prefix><i>", stored twice over so that any run of up
// to kKeysPerSize keys starting anywhere in the set is contiguous.
class KeySet {
 public:
  explicit KeySet(const std::string& prefix);
  KeySet(const KeySet&) = delete;
  KeySet& operator=(const KeySet&) = delete;

  // The i-th key, i < kKeysPerSize.
  const std::string& key(size_t i) const { return keys_[i]; }
  // `count` (<= kKeysPerSize) keys starting at `first` (< kKeysPerSize).
  KeyRun Run(size_t first, size_t count) const;

 private:
  std::vector<std::string> keys_;
  std::vector<const char*> pointers_;
  std::vector<size_t> lengths_;
};

// Keys of stored values of `value_bytes`: "bench:v<value_bytes>:<i>".
// Echo servers read the size back from the key.
std::string StoredKeyPrefix(size_t value_bytes);
// Keys never stored: "bench:miss:<i>".
inline constexpr char kMissKeyPrefix[] = "bench:miss:";

// The value stored under every key of a size: deterministic bytes, so a
// client that returns a wrong value is caught by its length check.
std::string MakeValue(size_t value_bytes);

// A small fast generator for key choice; one per thread.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

}  // namespace kivi_bench

#endif  // KIVI_BENCH_KEYS_H_
