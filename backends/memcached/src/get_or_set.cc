// GetOrSet with memcached's stampede protection (protocol.txt, "mg" flag N
// and the W/X/Z return flags): across every process sharing the servers,
// one caller recomputes a missing value while the others wait for it.
//
//   mg <key> v N<vivify>
//   - miss: the server creates an empty placeholder living <vivify> seconds
//     and gives the first caller W ("you won"); later callers see Z.
//   - X: the item is stale (invalidated); the value may still be served.
//
// Early recache (R<seconds>: a hit close to its expiry wins too) is not
// used: the contract runs the loader on a miss only, and a hit returns the
// stored value, as on every other backend (the differential test caught a
// recache replacing a live value and returning the loader's instead).
//
// The winner runs the loader and stores the result (or removes its
// placeholder when the loader fails, so the next caller wins at once).
// Callers who see Z on a placeholder poll until the value lands; if it has
// not within `timeout`, they run the loader themselves, so a crashed winner
// costs a delay, never a failure.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kivi/status_macros.h"
#include "src/backend.h"
#include "src/replies.h"

namespace kivi::memcached {

absl::StatusOr<std::string> MemcachedBackend::GetOrSet(absl::string_view key,
                                                       absl::Duration ttl,
                                                       Loader loader) {
  absl::Time deadline = absl::Now() + options_.timeout;
  // The placeholder outlives a typical loader but not a crashed winner by
  // much.
  const int64_t vivify = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(options_.timeout, absl::Seconds(1))));
  absl::Duration backoff = absl::Milliseconds(5);
  // Storing is best effort: the caller gets the value either way. A value
  // that could not be stored (e.g. over the server's item size) must not
  // leave the empty placeholder behind, or readers would see "" instead of
  // a miss until it expires.
  auto load_and_store = [&](bool placeholder) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> loaded = loader();
    if (!loaded.ok()) return loaded;
    if (!Set(key, *loaded, ttl).ok() && placeholder) (void)Delete(key);
    return loaded;
  };
  while (true) {
    ReplyCode code = ReplyCode::kEN;
    bool win = false;
    bool waiting = false;
    std::string value;
    KIVI_RETURN_IF_ERROR(Call(
        key, absl::Now() + options_.timeout,
        [&](std::string* out, absl::string_view opaque) {
          MetaCommand(out, "mg", key)
              .Flag('v')
              .Int('N', vivify)
              .Opaque(opaque)
              .End();
        },
        [&](const MetaReply& reply) {
          if (reply.code != ReplyCode::kVA && reply.code != ReplyCode::kEN) {
            return UnexpectedReply(key, reply);
          }
          code = reply.code;
          win = reply.win;
          waiting = reply.already_won || reply.stale;
          value.assign(reply.value.data(), reply.value.size());
          return absl::OkStatus();
        }));
    if (code == ReplyCode::kEN) return load_and_store(/*placeholder=*/true);
    // Only a miss wins (no early recache), so W comes with the placeholder.
    if (win) {
      absl::StatusOr<std::string> loaded = load_and_store(/*placeholder=*/true);
      if (!loaded.ok()) (void)Delete(key);
      return loaded;
    }
    // An empty value with Z is the placeholder (a stored empty value with Z
    // is indistinguishable and merely waits for the winner).
    const bool placeholder = value.empty();
    if (!waiting || !placeholder) return value;
    if (absl::Now() + backoff >= deadline) return load_and_store(false);
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(50));
  }
}

}  // namespace kivi::memcached
