#include "kivi/kivi.h"

#include "kivi/status_macros.h"
#if KIVI_WITH_GRPC
#include "kivi/grpc/grpc_backend.h"
#endif
#if KIVI_WITH_MEMCACHED
#include "kivi/memcached/memcached_backend.h"
#endif
#if KIVI_WITH_MEMORY
#include "kivi/memory/memory_backend.h"
#endif

namespace kivi {

absl::Status RegisterBuiltinBackends(BackendRegistry& registry) {
#if KIVI_WITH_MEMORY
  KIVI_RETURN_IF_ERROR(RegisterMemoryBackend(registry));
#endif
#if KIVI_WITH_MEMCACHED
  KIVI_RETURN_IF_ERROR(RegisterMemcachedBackend(registry));
#endif
#if KIVI_WITH_GRPC
  KIVI_RETURN_IF_ERROR(RegisterGrpcBackend(registry));
#endif
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Client>> Open(absl::string_view url) {
  // Built once, never mutated after: concurrent Opens are safe.
  static const BackendRegistry* const registry = [] {
    auto* r = new BackendRegistry;
    absl::Status s = RegisterBuiltinBackends(*r);
    (void)s;  // Only AlreadyExists is possible, and the schemes are distinct.
    return r;
  }();
  return registry->Open(url);
}

}  // namespace kivi
