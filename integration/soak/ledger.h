#ifndef KIVI_INTEGRATION_SOAK_LEDGER_H_
#define KIVI_INTEGRATION_SOAK_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace kivi::testing {

// What one soak thread knows about the keys it alone writes, and the
// verdict on each value it reads back.
//
// Every value written is "<key>#<sequence>#<padding>", so a read names the
// key and the write it came from. A write the client acknowledged is the
// key's state; a write that failed (timeout, dead server) is uncertain: the
// server may have applied it, even later (a frozen server works through its
// backlog when resumed), so a read may return it at any time afterwards.
// Nothing else may come back: not another key's value, not a write that an
// acknowledged write replaced, not a value never written.
//
// Memory grows only with failed writes (about 20 bytes each); while a
// server is marked down, calls fail fast and hundreds of thousands of them
// pile up in a minute, so the soak reports RSS net of ApproximateBytes().
//
// Not thread-safe: one ledger per thread.
class Ledger {
 public:
  enum class Verdict {
    kAcknowledged,  // The last acknowledged state.
    kUncertain,     // A failed write that was applied after all.
    kMiss,          // Absent although a value was acknowledged: lost with a
                    // restarted server, or removed by a failed delete that
                    // was applied after all.
    kWrongKey,      // A value written under another key.
    kOverwritten,   // A recent acknowledged write, since replaced.
    kUnknown,       // Not a value this thread wrote under this key, or an
                    // older replaced one (no longer told apart).
  };

  // The value to write next under `key`; `padding` bytes make the sizes
  // vary.
  std::string NextValue(absl::string_view key, size_t padding);

  // Records the outcome of writing `value` (made by NextValue; nullopt: a
  // delete) to `key`.
  void Acknowledged(absl::string_view key,
                    const std::optional<std::string>& value);
  void Failed(absl::string_view key, const std::optional<std::string>& value);

  // Classifies a read of `key` that returned `value` (nullopt: NotFound).
  Verdict Check(absl::string_view key,
                const std::optional<std::string>& value) const;

  // The ledger's own heap use, estimated from its tables' capacities.
  size_t ApproximateBytes() const;

  // True for the verdicts that break the contract.
  static bool IsWrong(Verdict verdict) {
    return verdict == Verdict::kWrongKey || verdict == Verdict::kOverwritten ||
           verdict == Verdict::kUnknown;
  }

 private:
  // A value by its parts: the sequence number and the padding length.
  struct Written {
    uint64_t sequence = 0;
    uint32_t padding = 0;
  };
  static constexpr int kRecentlyReplaced = 8;

  struct KeyState {
    // The acknowledged state: a value, or absent (never written, deleted).
    std::optional<Written> acknowledged;
    // Failed writes: sequence -> padding.
    absl::flat_hash_map<uint64_t, uint32_t> uncertain;
    // The last few acknowledged values that were replaced, for the label.
    uint64_t replaced[kRecentlyReplaced] = {};
    int next_replaced = 0;
  };

  absl::flat_hash_map<std::string, KeyState> keys_;
  uint64_t sequence_ = 0;
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_SOAK_LEDGER_H_
