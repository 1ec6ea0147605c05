#ifndef KIVI_BACKENDS_ROCKSDB_SRC_STATUS_H_
#define KIVI_BACKENDS_ROCKSDB_SRC_STATUS_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace kivi::rocksdb_internal {

// Converts a RocksDB status, prefixing `context()` (which names the
// directory and, for one key, the key; called only on error, so the hot
// path builds no message): a full disk is ResourceExhausted, corruption
// DataLoss, other I/O errors and a busy or read-only store Unavailable, a
// miss NotFound.
absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::FunctionRef<std::string()> context);

}  // namespace kivi::rocksdb_internal

#endif  // KIVI_BACKENDS_ROCKSDB_SRC_STATUS_H_
