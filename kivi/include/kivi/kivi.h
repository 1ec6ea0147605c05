#ifndef KIVI_KIVI_H_
#define KIVI_KIVI_H_

// kivi: one typed key-value API over swappable backends. This header is the
// table of contents: include it and link kivi::kivi to get every built-in
// backend, the codecs and the typed view.

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kivi/backend.h"
#include "kivi/client.h"
#include "kivi/codec.h"
#include "kivi/codecs/compressed.h"
#include "kivi/codecs/decimal.h"
#include "kivi/codecs/json.h"
#include "kivi/codecs/protobuf.h"
#include "kivi/codecs/protobuf_json.h"
#include "kivi/codecs/raw.h"
#include "kivi/key_rules.h"
#include "kivi/observer.h"
#include "kivi/options.h"
#include "kivi/registry.h"
#include "kivi/results.h"
#include "kivi/typed.h"

namespace kivi {

// Opens a client for `url`; the scheme picks the backend and the query
// configures it:
//   memory://?max_bytes=64MiB
//   memcached://10.0.0.1:11211,10.0.0.2:11211?namespace=app&timeout=250ms
//   grpc://127.0.0.1:7070
//   postgres://kivi@127.0.0.1:5432/app?table=kivi
//   rocksdb:///var/lib/kivi?sync=1
// Shared parameters on every scheme: namespace, default_ttl,
// max_value_bytes. InvalidArgument names a malformed URL, an unknown scheme
// or an unknown/malformed parameter. The returned client is thread-safe.
// `options` gives what a URL cannot carry, such as an observer.
absl::StatusOr<std::unique_ptr<Client>> Open(absl::string_view url,
                                             const OpenOptions& options = {});

// Registers every built-in backend (memory, memcached, redis, grpc,
// postgres, rocksdb) in `registry`, for callers that build their own
// registry to add backends of their own.
absl::Status RegisterBuiltinBackends(BackendRegistry& registry);

}  // namespace kivi

#endif  // KIVI_KIVI_H_
