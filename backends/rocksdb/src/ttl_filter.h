#ifndef KIVI_BACKENDS_ROCKSDB_SRC_TTL_FILTER_H_
#define KIVI_BACKENDS_ROCKSDB_SRC_TTL_FILTER_H_

#include <string>

#include "rocksdb/compaction_filter.h"
#include "rocksdb/slice.h"

namespace kivi::rocksdb_internal {

// Drops entries whose expiry has passed when compaction rewrites their
// file. Reads already hide them; this gives their space back. RocksDB turns
// a dropped entry into a deletion marker where older versions of the key
// may lie below, so nothing older reappears. Entries not in kivi's format
// are kept. Stateless, so one instance serves concurrent compactions.
class ExpiredEntryFilter : public rocksdb::CompactionFilter {
 public:
  bool Filter(int level, const rocksdb::Slice& key,
              const rocksdb::Slice& existing_value, std::string* new_value,
              bool* value_changed) const override;
  const char* Name() const override { return "kivi.ExpiredEntryFilter"; }
};

}  // namespace kivi::rocksdb_internal

#endif  // KIVI_BACKENDS_ROCKSDB_SRC_TTL_FILTER_H_
