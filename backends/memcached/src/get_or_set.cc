// GetOrSet with memcached's stampede protection (protocol.txt, "mg" flags
// N, R and the W/X/Z return flags): across every process sharing the
// servers, one caller recomputes a missing or soon-expiring value while the
// others wait for it (missing) or keep using the current one (soon
// expiring).
//
//   mg <key> v N<vivify> [R<recache>]
//   - miss: the server creates an empty placeholder living <vivify> seconds
//     and gives the first caller W ("you won"); later callers see Z.
//   - hit with less than <recache> seconds to live: the first caller gets
//     W, later ones Z, all with the current value.
//   - X: the item is stale (invalidated); the value may still be served.
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
namespace {

// Recache only long-lived entries, in their last tenth of life: short TTLs
// would make hits run the loader again.
int64_t RecacheSeconds(absl::Duration ttl) {
  if (ttl < absl::Seconds(10)) return 0;
  return absl::ToInt64Seconds(ttl) / 10;
}

}  // namespace

absl::StatusOr<std::string> MemcachedBackend::GetOrSet(absl::string_view key,
                                                       absl::Duration ttl,
                                                       Loader loader) {
  absl::Time deadline = absl::Now() + options_.timeout;
  // The placeholder outlives a typical loader but not a crashed winner by
  // much.
  const int64_t vivify = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(options_.timeout, absl::Seconds(1))));
  const int64_t recache = RecacheSeconds(ttl);
  absl::Duration backoff = absl::Milliseconds(5);
  auto load_and_store = [&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> loaded = loader();
    if (!loaded.ok()) return loaded;
    // Storing is best effort: the caller gets the value either way.
    (void)Set(key, *loaded, ttl);
    return loaded;
  };
  while (true) {
    ReplyCode code = ReplyCode::kEN;
    bool win = false;
    bool waiting = false;
    std::string value;
    KIVI_RETURN_IF_ERROR(Call(
        key, absl::Now() + options_.timeout,
        [&](std::string* out) {
          MetaCommand cmd(out, "mg", key);
          cmd.Flag('v').Int('N', vivify);
          if (recache > 0) cmd.Int('R', recache);
          cmd.End();
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
    if (code == ReplyCode::kEN) return load_and_store();
    // An empty value with W or Z is the placeholder (a stored empty value
    // being recached is indistinguishable and merely waits for the winner).
    bool placeholder = value.empty();
    if (win) {
      absl::StatusOr<std::string> loaded = load_and_store();
      if (loaded.ok()) return loaded;
      if (placeholder) {
        (void)Delete(key);
        return loaded;
      }
      // A recache win on a live value: keep serving it.
      return value;
    }
    if (!waiting || !placeholder) return value;
    if (absl::Now() + backoff >= deadline) return load_and_store();
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(50));
  }
}

}  // namespace kivi::memcached
