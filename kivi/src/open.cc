#include "kivi/grpc/grpc_backend.h"
#include "kivi/kivi.h"
#include "kivi/memcached/memcached_backend.h"
#include "kivi/memory/memory_backend.h"
#include "kivi/postgres/postgres_backend.h"
#include "kivi/redis/redis_backend.h"
#include "kivi/rocksdb/rocksdb_backend.h"
#include "kivi/status_macros.h"

namespace kivi {

absl::Status RegisterBuiltinBackends(BackendRegistry& registry) {
  KIVI_RETURN_IF_ERROR(RegisterMemoryBackend(registry));
  KIVI_RETURN_IF_ERROR(RegisterMemcachedBackend(registry));
  KIVI_RETURN_IF_ERROR(RegisterRedisBackend(registry));
  KIVI_RETURN_IF_ERROR(RegisterGrpcBackend(registry));
  KIVI_RETURN_IF_ERROR(RegisterPostgresBackend(registry));
  KIVI_RETURN_IF_ERROR(RegisterRocksDbBackend(registry));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Client>> Open(absl::string_view url,
                                             const OpenOptions& options) {
  // Built once and never changed afterwards, so concurrent Opens are safe.
  static const BackendRegistry* const registry = [] {
    auto* r = new BackendRegistry;
    // Only AlreadyExists can fail here, and the built-in schemes differ.
    (void)RegisterBuiltinBackends(*r);
    return r;
  }();
  return registry->Open(url, options);
}

}  // namespace kivi
