#ifndef KIVI_BACKENDS_ROCKSDB_SRC_STATUS_H_
#define KIVI_BACKENDS_ROCKSDB_SRC_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace kivi::rocksdb_internal {

// Converts a RocksDB status, prefixing `context` (which names the directory
// and, for one key, the key): a full disk is ResourceExhausted, corruption
// DataLoss, other I/O errors and a busy or read-only store Unavailable, a
// miss NotFound.
absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view context);

}  // namespace kivi::rocksdb_internal

#endif  // KIVI_BACKENDS_ROCKSDB_SRC_STATUS_H_
