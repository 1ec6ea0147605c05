// GetOrSet with a cross-process stampede guard. On a miss, the caller that
// takes a lock key (SET NX PX lock_ttl) runs the loader and stores its
// value; callers in other processes that find the lock held poll for the
// value instead, up to lock_wait, and load it themselves only if it has
// not appeared by then (the lock holder died or is slow). So across
// processes the loader normally runs once per miss, and never does a
// waiting caller hang for longer than lock_wait.
//
// The lock is the key "kivi:lock:" + the full key, holding a random token;
// the holder deletes it only if it still reads its own token there, so a
// lock that expired during a slow load and was taken by another caller is
// (barring the moment between that read and the delete) left alone.

#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/redis/src/backend.h"
#include "kivi/status_macros.h"

namespace kivi::redis {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(10);

std::string LockKey(absl::string_view key) {
  return absl::StrCat("kivi:lock:", key);
}

std::string NewToken() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat(random(), "-", random());
}

}  // namespace

absl::StatusOr<std::string> RedisBackend::GetOrSet(absl::string_view key,
                                                   absl::Duration ttl,
                                                   Loader loader) {
  const std::string lock = LockKey(key);
  const std::string token = NewToken();
  const absl::Time wait_until = absl::Now() + options_.lock_wait;
  while (true) {
    absl::StatusOr<std::string> value = Get(key);
    if (value.ok() || !absl::IsNotFound(value.status())) return value;
    const absl::Status added = Add(lock, token, options_.lock_ttl);
    if (!added.ok() && !absl::IsAlreadyExists(added)) return added;
    const bool locked = added.ok();
    if (locked || absl::Now() >= wait_until) {
      absl::StatusOr<std::string> loaded = loader();
      absl::Status stored =
          loaded.ok() ? Set(key, *loaded, ttl) : absl::OkStatus();
      if (locked) {
        // Released only if still ours: a lock that expired meanwhile may
        // belong to another caller now.
        absl::StatusOr<std::string> holder = Get(lock);
        if (holder.ok() && *holder == token) (void)Delete(lock);
      }
      KIVI_RETURN_IF_ERROR(stored);
      return loaded;
    }
    absl::SleepFor(kPollInterval);
  }
}

}  // namespace kivi::redis
