#ifndef KIVI_REGISTRY_H_
#define KIVI_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kivi/backend.h"
#include "kivi/client.h"
#include "kivi/observer.h"
#include "kivi/url.h"

namespace kivi {

// Builds a Backend from a parsed URL. `params` has had the shared
// parameters (namespace, default_ttl, max_value_bytes) read already; the
// factory reads its own and must call params.Finish() so that unknown
// parameters are reported. `options` are the shared settings, for backends
// that need them (e.g. max_value_bytes to bound Append).
using BackendFactory = std::function<absl::StatusOr<std::unique_ptr<Backend>>(
    const BackendUrl& url, const ClientOptions& options, ParamReader& params)>;

// What a Client gets at open time besides its URL.
struct OpenOptions {
  // Told of every call of the Client (kivi/observer.h); null: none.
  std::shared_ptr<ClientObserver> observer;
};

// Maps URL schemes to backend factories. Registration is explicit: nothing
// registers itself at static-initialisation time. kivi::Open (kivi/kivi.h)
// uses a registry holding every built-in backend; build your own to add one.
//
// Register before sharing; Open is then safe from many threads.
class BackendRegistry {
 public:
  // Adds `scheme` (lower-case, without "://"). AlreadyExists if taken.
  absl::Status Register(absl::string_view scheme, BackendFactory factory);

  // Parses `url`, reads the shared parameters and builds a Client over the
  // scheme's backend. InvalidArgument for a malformed URL, an unknown scheme
  // (listing the known ones) or an unknown or malformed parameter (naming
  // it); the factory's error when the backend cannot start. The Client's
  // events name the backend by the URL's scheme.
  absl::StatusOr<std::unique_ptr<Client>> Open(
      absl::string_view url, const OpenOptions& open_options = {}) const;

  // The registered schemes, sorted.
  std::vector<std::string> schemes() const;

 private:
  absl::btree_map<std::string, BackendFactory> factories_;
};

}  // namespace kivi

#endif  // KIVI_REGISTRY_H_
