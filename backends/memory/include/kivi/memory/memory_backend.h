#ifndef KIVI_MEMORY_MEMORY_BACKEND_H_
#define KIVI_MEMORY_MEMORY_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kivi/backend.h"
#include "kivi/key_rules.h"
#include "kivi/registry.h"

namespace kivi {

// Settings of the embedded store. In a URL (memory://?max_bytes=64MiB&...)
// the parameters are `max_bytes`, `shards` and `sweep_interval`;
// max_value_bytes comes from the client's shared `max_value_bytes`.
struct MemoryOptions {
  // Upper bound on the bytes held, counting each entry's key and value bytes
  // (not the bookkeeping around them). Zero: unbounded. When a write would
  // exceed it, entries are evicted by CLOCK (second chance), an
  // approximation of least recently used that lets reads share a lock:
  // the oldest written entry goes first, unless it was read since it was
  // written or last spared, in which case it is spared once more and
  // counts as newly written. The entry being written is never evicted.
  // The budget is split evenly between shards and eviction order is kept
  // per shard, so each shard holds at most max_bytes / shards; that share
  // must fit the largest possible entry (kMaxKeyBytes + max_value_bytes),
  // so every value the client accepts can be stored.
  uint64_t max_bytes = 0;

  // Number of independently locked partitions; keys are spread over them by
  // hash. More shards mean less lock contention. Reads (Get, GetVersioned,
  // BatchGet, List, Stats) share a shard's lock; writes hold it alone.
  // 1..4096.
  int shards = 16;

  // How often a background thread reclaims expired and flushed entries.
  // They are never returned either way (a read that finds one reclaims it);
  // the sweeper bounds how long unread ones hold memory. Zero: no sweeper,
  // reclaim on access only.
  absl::Duration sweep_interval = absl::Seconds(1);

  // Largest value. Append/Prepend whose result would be larger are
  // InvalidArgument and leave the value untouched.
  size_t max_value_bytes = kDefaultMaxValueBytes;
};

// Returns an empty in-process store with every optional capability and a
// TTL resolution of one millisecond.
//
// The store is safe for concurrent use from many threads. Entries expire by
// absl::Now(); an expired entry is never returned. Versions (for
// CompareAndSet) come from one counter shared by all keys, so a key deleted
// and written again never reuses a version. Flush(delay) invalidates, at
// now + delay, every entry last written before that moment; a later Flush
// replaces a pending one, as memcached's flush_all does. Stats reports one
// endpoint, "memory", with memcached's counter names: curr_items (entries
// held, including expired ones not yet reclaimed), bytes, limit_maxbytes,
// evictions (live entries dropped for space), get_hits and get_misses.
// Health reports the endpoint "memory", always ok.
//
// Asynchronous calls (Client::*Async) complete on the calling thread,
// before the call returns, since none waits on I/O; a callback that starts
// further calls nests, and past a few levels of nesting those run on the
// client's executor instead.
//
// Destroying the store stops its sweeper promptly.
//
// InvalidArgument naming the option when `shards`, `sweep_interval` or
// `max_value_bytes` is out of range, or when max_bytes / shards cannot hold
// one largest entry.
absl::StatusOr<std::unique_ptr<Backend>> NewMemoryBackend(
    const MemoryOptions& options);

// Registers the scheme "memory" in `registry`. Its URL has no host or path
// (memory://?max_bytes=64MiB&shards=16&sweep_interval=1s); anything there is
// InvalidArgument. Unknown or malformed parameters are InvalidArgument
// naming them. AlreadyExists if "memory" is taken.
absl::Status RegisterMemoryBackend(BackendRegistry& registry);

}  // namespace kivi

#endif  // KIVI_MEMORY_MEMORY_BACKEND_H_
