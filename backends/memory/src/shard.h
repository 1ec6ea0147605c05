#ifndef KIVI_BACKENDS_MEMORY_SRC_SHARD_H_
#define KIVI_BACKENDS_MEMORY_SRC_SHARD_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "src/rw_lock.h"

namespace kivi::memory_internal {

// Times are Unix nanoseconds: one int64 per field keeps an entry small and
// comparisons cheap.
inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// One stored value. Lives in a node_hash_map node, so its address and its
// key's address are stable until it is erased.
struct Entry {
  std::string value;
  int64_t expires_ns = kNever;  // First instant at which it is expired.
  int64_t written_ns = 0;       // Last write; Flush compares against it.
  uint64_t version = 0;
  const std::string* key = nullptr;  // The map's copy.
  Entry* newer = nullptr;            // Neighbours in eviction order.
  Entry* older = nullptr;
  // CLOCK's reference bit: set by reads, which hold the shard's lock only
  // shared and the entry only const (hence atomic and mutable); cleared
  // when eviction gives the entry its second chance.
  mutable std::atomic<bool> referenced{false};
};

// The clock as one operation sees it: the current time and the flush time
// in force (entries written before `flush_ns` are dead once it has passed).
struct Moment {
  int64_t now_ns;
  int64_t flush_ns;

  bool IsLive(const Entry& e) const {
    if (e.expires_ns <= now_ns) return false;
    return !(e.written_ns < flush_ns && flush_ns <= now_ns);
  }
};

// What a read under the shared lock found.
struct ReadResult {
  // The live entry, or nullptr.
  const Entry* live = nullptr;
  // A dead entry is there, for a holder of the exclusive lock to reclaim.
  bool dead = false;
};

// Counters of one shard, summed by Stats.
struct ShardCounters {
  uint64_t items = 0;
  uint64_t bytes = 0;
  uint64_t evictions = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
};

// One independently locked partition of the store: a hash map, a list of
// entries in eviction order (newest at the front) and a byte budget, evicted
// by CLOCK (second chance): a read only sets the entry's reference bit, so
// reads share the lock and write nothing but that bit (and only when it was
// clear). Eviction takes the oldest entry; one read since it was last
// passed over goes to the front with its bit cleared instead. A write puts
// its entry at the front. Without a budget neither list nor bit is kept:
// their upkeep touches memory for nothing. It knows nothing of operations
// like Increment; the backend composes those from the primitives below
// while holding `mu`.
class alignas(64) Shard {
 public:
  // `budget_bytes`: most key+value bytes held; zero means unbounded.
  explicit Shard(uint64_t budget_bytes) : budget_bytes_(budget_bytes) {}
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  RwLock mu;

  // Looks `key` up for a read: counts a hit or a miss and marks a live entry
  // referenced. Returns the live entry, valid while `mu` is held, or says
  // that a dead one is there (a miss), which it cannot reclaim under a
  // shared lock.
  ReadResult Read(absl::string_view key, const Moment& m)
      ABSL_SHARED_LOCKS_REQUIRED(mu);

  // Returns the live entry under `key`, now marked referenced, or nullptr.
  // A dead entry found there is reclaimed.
  Entry* FindLive(absl::string_view key, const Moment& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Stores `value` under `key` as a fresh write (replacing any entry, live
  // or dead), then evicts to fit the budget. The written entry itself is
  // never evicted.
  Entry* Write(absl::string_view key, absl::string_view value,
               int64_t expires_ns, uint64_t version, const Moment& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Records that the caller changed `e->value` in place (it was
  // `old_size` bytes): the entry gets `version` and counts as written now;
  // then evicts to fit the budget as Write does.
  void Rewrote(Entry* e, size_t old_size, uint64_t version, const Moment& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Removes `key` if present.
  void Erase(absl::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Removes `key` if its entry is dead: what a read that found it so (see
  // ReadResult) could not do under the shared lock.
  void EraseIfDead(absl::string_view key, const Moment& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Reclaims every dead entry.
  void Sweep(const Moment& m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Appends the keys of live entries starting with `prefix` to `out`.
  void ListLive(absl::string_view prefix, const Moment& m,
                std::vector<std::string>* out) const
      ABSL_SHARED_LOCKS_REQUIRED(mu);

  // Counts a lookup as a get hit or miss; under either lock.
  void CountLookup(bool hit) ABSL_SHARED_LOCKS_REQUIRED(mu) {
    (hit ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  }

  ShardCounters counters() const ABSL_SHARED_LOCKS_REQUIRED(mu);

 private:
  using Map = absl::node_hash_map<std::string, Entry>;

  void MarkReferenced(const Entry& e) const ABSL_SHARED_LOCKS_REQUIRED(mu);
  // List upkeep; no-ops without a budget.
  void PushFront(Entry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  void Unlink(Entry* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Unlinks the entry at `it`, uncounts its bytes and erases it.
  void Remove(Map::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  void EvictToBudget(Entry* keep, const Moment& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Every reader writes the lock's cache line; the get counters share it.
  // What readers only read, and what only writers write, have lines of
  // their own, so that a Set does not take readers' lines away.
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  alignas(64) const uint64_t budget_bytes_;
  Map map_ ABSL_GUARDED_BY(mu);
  alignas(64) Entry* newest_ ABSL_GUARDED_BY(mu) = nullptr;
  Entry* oldest_ ABSL_GUARDED_BY(mu) = nullptr;
  uint64_t bytes_ ABSL_GUARDED_BY(mu) = 0;
  uint64_t evictions_ ABSL_GUARDED_BY(mu) = 0;
};

}  // namespace kivi::memory_internal

#endif  // KIVI_BACKENDS_MEMORY_SRC_SHARD_H_
