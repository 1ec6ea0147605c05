#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kivi/key_rules.h"
#include "kivi/memory/memory_backend.h"
#include "kivi/status_macros.h"

namespace kivi {

absl::Status RegisterMemoryBackend(BackendRegistry& registry) {
  return registry.Register(
      "memory",
      [](const BackendUrl& url, const ClientOptions& client,
         ParamReader& params) -> absl::StatusOr<std::unique_ptr<Backend>> {
        if (!url.authority.empty() || !url.path.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("memory:// takes no host or path, got \"",
                           url.authority, url.path.empty() ? "" : "/", url.path,
                           "\"; configure it with parameters, e.g. "
                           "memory://?max_bytes=64MiB"));
        }
        MemoryOptions options;
        options.max_value_bytes = client.max_value_bytes;
        params.Bytes("max_bytes", &options.max_bytes);
        const bool shards_given = params.Has("shards");
        params.Int("shards", &options.shards, 1);
        params.Duration("sweep_interval", &options.sweep_interval);
        KIVI_RETURN_IF_ERROR(params.Finish());
        if (!shards_given && options.max_bytes > 0) {
          // A small budget with the default shard count would leave shards
          // too small for one largest entry; use fewer shards instead of
          // refusing a URL that names no shard count.
          const uint64_t largest_entry =
              kMaxKeyBytes + options.max_value_bytes;
          while (options.shards > 1 &&
                 options.max_bytes / options.shards < largest_entry) {
            options.shards /= 2;
          }
        }
        return NewMemoryBackend(options);
      });
}

}  // namespace kivi
