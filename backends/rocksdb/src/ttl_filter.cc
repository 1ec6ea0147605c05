#include "backends/rocksdb/src/ttl_filter.h"

#include "absl/strings/string_view.h"
#include "backends/rocksdb/src/entry.h"

namespace kivi::rocksdb_internal {

bool ExpiredEntryFilter::Filter(int, const rocksdb::Slice&,
                                const rocksdb::Slice& existing_value,
                                std::string*, bool*) const {
  EntryHeader header;
  if (!DecodeHeader(
          absl::string_view(existing_value.data(), existing_value.size()),
          &header)) {
    return false;
  }
  return !header.LiveAt(NowMs());
}

}  // namespace kivi::rocksdb_internal
