#ifndef KIVI_BACKENDS_ROCKSDB_SRC_ENTRY_H_
#define KIVI_BACKENDS_ROCKSDB_SRC_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// The stored form of an entry: a fixed header (format, expiry, version)
// before the caller's bytes. The layout is documented in
// kivi/rocksdb/rocksdb_backend.h. Pure: no I/O.

namespace kivi::rocksdb_internal {

inline constexpr char kFormat = 1;
inline constexpr size_t kHeaderBytes = 17;

struct EntryHeader {
  // Unix time in milliseconds at which the entry expires; 0: never.
  uint64_t expiry_ms = 0;
  uint64_t version = 0;

  // True unless the entry has expired at `now_ms`.
  bool LiveAt(uint64_t now_ms) const {
    return expiry_ms == 0 || now_ms < expiry_ms;
  }
  // True unless the entry has expired now. Reads the clock only for an
  // entry with an expiry.
  bool LiveNow() const;
};

// The current time in whole Unix milliseconds, rounded down.
uint64_t NowMs();

// `t` in Unix milliseconds, rounded up.
uint64_t CeilUnixMs(absl::Time t);

// The expiry of an entry written at `now` with `ttl`: 0 for a zero TTL,
// else now + ttl rounded up to a millisecond (never early).
uint64_t ExpiryMs(absl::Time now, absl::Duration ttl);

// Writes `header` as stored into out[0..kHeaderBytes).
void EncodeHeader(const EntryHeader& header, char* out);

// Header and value as stored.
std::string EncodeEntry(const EntryHeader& header, absl::string_view value);

// Reads the header at the front of `stored` into `*header`; false when
// `stored` is not an entry of this format.
bool DecodeHeader(absl::string_view stored, EntryHeader* header);

}  // namespace kivi::rocksdb_internal

#endif  // KIVI_BACKENDS_ROCKSDB_SRC_ENTRY_H_
