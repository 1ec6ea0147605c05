#include "backends/rocksdb/src/entry.h"

#include "absl/time/clock.h"

namespace kivi::rocksdb_internal {
namespace {

void PutFixed64(uint64_t v, char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
}

uint64_t GetFixed64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return v;
}

}  // namespace

uint64_t NowMs() {
  return static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
}

bool EntryHeader::LiveNow() const {
  return expiry_ms == 0 || NowMs() < expiry_ms;
}

uint64_t CeilUnixMs(absl::Time t) {
  const int64_t floor_ms = absl::ToUnixMillis(t);
  const bool exact = absl::FromUnixMillis(floor_ms) == t;
  return static_cast<uint64_t>(floor_ms + (exact ? 0 : 1));
}

uint64_t ExpiryMs(absl::Time now, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) return 0;
  return CeilUnixMs(now + ttl);
}

void EncodeHeader(const EntryHeader& header, char* out) {
  out[0] = kFormat;
  PutFixed64(header.expiry_ms, out + 1);
  PutFixed64(header.version, out + 9);
}

std::string EncodeEntry(const EntryHeader& header, absl::string_view value) {
  std::string out(kHeaderBytes + value.size(), '\0');
  EncodeHeader(header, out.data());
  if (!value.empty()) value.copy(&out[kHeaderBytes], value.size());
  return out;
}

bool DecodeHeader(absl::string_view stored, EntryHeader* header) {
  if (stored.size() < kHeaderBytes || stored[0] != kFormat) return false;
  header->expiry_ms = GetFixed64(stored.data() + 1);
  header->version = GetFixed64(stored.data() + 9);
  return true;
}

}  // namespace kivi::rocksdb_internal
