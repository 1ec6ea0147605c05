#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kivi/rocksdb/rocksdb_backend.h"
#include "kivi/status_macros.h"

namespace kivi {

absl::Status RegisterRocksDbBackend(BackendRegistry& registry) {
  return registry.Register(
      "rocksdb",
      [](const BackendUrl& url, const ClientOptions& client,
         ParamReader& params) -> absl::StatusOr<std::unique_ptr<Backend>> {
        if (!url.authority.empty() || url.path.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "rocksdb:// takes an absolute directory and no host, got \"",
              url.authority, url.path.empty() ? "" : "/", url.path,
              "\"; e.g. rocksdb:///var/lib/kivi"));
        }
        RocksDbOptions options;
        options.path = absl::StrCat("/", url.path);
        options.max_value_bytes = client.max_value_bytes;
        params.Bool("sync", &options.sync);
        params.Bool("create_if_missing", &options.create_if_missing);
        params.Bytes("block_cache", &options.block_cache_bytes);
        params.Bytes("min_free_disk", &options.min_free_disk_bytes);
        KIVI_RETURN_IF_ERROR(params.Finish());
        return NewRocksDbBackend(options);
      });
}

}  // namespace kivi
