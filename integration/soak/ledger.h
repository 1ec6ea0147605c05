#ifndef KIVI_INTEGRATION_SOAK_LEDGER_H_
#define KIVI_INTEGRATION_SOAK_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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
// Not thread-safe: one ledger per thread.
class Ledger {
 public:
  enum class Verdict {
    kAcknowledged,  // The last acknowledged state.
    kUncertain,     // A failed write (or delete) that was applied after all.
    kMiss,          // Absent although a value was acknowledged: lost with a
                    // restarted server.
    kWrongKey,      // A value written under another key.
    kOverwritten,   // An older acknowledged write, since replaced.
    kUnknown,       // Never written by this thread.
  };

  // The value to write next under `key`; `padding` bytes make the sizes
  // vary.
  std::string NextValue(absl::string_view key, size_t padding);

  // Records the outcome of writing `value` (nullopt: a delete) to `key`.
  void Acknowledged(absl::string_view key, std::optional<std::string> value);
  void Failed(absl::string_view key, std::optional<std::string> value);

  // Classifies a read of `key` that returned `value` (nullopt: NotFound).
  Verdict Check(absl::string_view key,
                const std::optional<std::string>& value) const;

  // True for the verdicts that break the contract.
  static bool IsWrong(Verdict verdict) {
    return verdict == Verdict::kWrongKey || verdict == Verdict::kOverwritten ||
           verdict == Verdict::kUnknown;
  }

 private:
  struct KeyState {
    // The acknowledged state: a value, or absent (never written, deleted).
    std::optional<std::string> acknowledged;
    // Failed writes since the key was created; nullopt stands for a failed
    // delete.
    absl::flat_hash_set<std::string> uncertain_values;
    bool uncertain_delete = false;
    // Sequence numbers of acknowledged writes that were replaced.
    std::vector<uint64_t> overwritten;
  };

  absl::flat_hash_map<std::string, KeyState> keys_;
  uint64_t sequence_ = 0;
};

}  // namespace kivi::testing

#endif  // KIVI_INTEGRATION_SOAK_LEDGER_H_
