// Flush, Health and Stats: operations on the whole directory.

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/rocksdb/src/backend.h"
#include "kivi/status_macros.h"

namespace kivi::rocksdb_internal {
namespace {

// Bytes an unprivileged writer may still use on the file system of `path`.
absl::StatusOr<uint64_t> FreeDiskBytes(const std::string& path) {
  struct statvfs fs;
  if (::statvfs(path.c_str(), &fs) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "rocksdb ", path, ": statvfs failed: ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

}  // namespace

absl::Status RocksDbBackend::Flush(absl::Duration delay) {
  return database_->FlushAt(absl::Now() + delay, write_);
}

HealthReport RocksDbBackend::Health(absl::Duration timeout) {
  // Both probes are local and quick; `timeout` has nothing to bound.
  const absl::Time start = absl::Now();
  EndpointHealth endpoint{.endpoint = Endpoint()};
  uint64_t background_errors = 0;
  absl::StatusOr<uint64_t> free_bytes = FreeDiskBytes(database_->path());
  if (!db_.GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors,
                          &background_errors)) {
    endpoint.error = absl::UnavailableError(
        absl::StrCat("rocksdb ", database_->path(),
                     ": property rocksdb.background-errors unavailable"));
  } else if (background_errors > 0) {
    endpoint.error = absl::UnavailableError(absl::StrCat(
        "rocksdb ", database_->path(), ": ", background_errors,
        " background errors (rocksdb.background-errors; a failed flush or "
        "compaction stops writes; see the directory's LOG)"));
  } else if (!free_bytes.ok()) {
    endpoint.error = free_bytes.status();
  } else if (*free_bytes < options_.min_free_disk_bytes) {
    endpoint.error = absl::ResourceExhaustedError(
        absl::StrCat("rocksdb ", database_->path(), ": ", *free_bytes,
                     " bytes free on disk, under min_free_disk (",
                     options_.min_free_disk_bytes, ")"));
  }
  endpoint.ok = endpoint.error.ok();
  endpoint.latency = absl::Now() - start;
  return HealthReport{.endpoints = {std::move(endpoint)}};
}

absl::StatusOr<std::vector<EndpointStats>> RocksDbBackend::Stats() {
  EndpointStats stats{.endpoint = Endpoint()};
  for (const std::string* property :
       {&rocksdb::DB::Properties::kEstimateNumKeys,
        &rocksdb::DB::Properties::kEstimateLiveDataSize,
        &rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
        &rocksdb::DB::Properties::kBackgroundErrors}) {
    uint64_t value = 0;
    if (!db_.GetIntProperty(*property, &value)) {
      return absl::UnavailableError(absl::StrCat("rocksdb ", database_->path(),
                                                 ": property ", *property,
                                                 " unavailable"));
    }
    stats.values.emplace_back(*property, absl::StrCat(value));
  }
  KIVI_ASSIGN_OR_RETURN(uint64_t free_bytes, FreeDiskBytes(database_->path()));
  stats.values.emplace_back("free_disk_bytes", absl::StrCat(free_bytes));
  return std::vector<EndpointStats>{std::move(stats)};
}

}  // namespace kivi::rocksdb_internal
