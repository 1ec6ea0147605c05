#include "backends/rocksdb/src/status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace kivi::rocksdb_internal {

absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::FunctionRef<std::string()> context) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context(), ": ", status.ToString());
  if (status.IsNotFound()) return absl::NotFoundError(message);
  if (status.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (status.IsNotSupported()) return absl::UnimplementedError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() ||
      status.IsTryAgain() || status.IsAborted() || status.IsIncomplete() ||
      status.IsShutdownInProgress()) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

}  // namespace kivi::rocksdb_internal
