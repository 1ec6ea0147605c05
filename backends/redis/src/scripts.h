#ifndef KIVI_BACKENDS_REDIS_SRC_SCRIPTS_H_
#define KIVI_BACKENDS_REDIS_SRC_SCRIPTS_H_

// The server-side Lua scripts that give Redis the contract's semantics
// where its own commands differ. Each takes exactly one key (so it runs on
// the key's slot in a cluster) and runs atomically on the server.
//
// Scripts are sent as EVALSHA with their SHA-1, computed here once; a node
// that answers NOSCRIPT (restarted, SCRIPT FLUSH) gets the same call as
// EVAL, which runs the script and caches it again.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace kivi::redis {

enum class ScriptId {
  // ARGV: delta magnitude, "+" or "-", initial, "1"/"0" create, ttl ms
  // ("0": none). Returns the new value (a bulk string); null when absent
  // and not created; error "KIVI_NOT_A_NUMBER" when the value is no
  // decimal unsigned 64-bit number. Increments wrap modulo 2^64, decrements
  // stop at 0, the TTL is kept (KEEPTTL).
  kIncrement,
  // Returns [value, version] (the version: the first 16 hex digits of the
  // value's SHA-1), or null when absent.
  kGetVersioned,
  // ARGV: version (16 hex digits), value, ttl ms. Returns 0 when absent, 1
  // when the version differs (nothing stored), 2 when stored.
  kCompareAndSet,
  // ARGV: bytes, "a" (append) or "p" (prepend), max bytes. Returns 0 when
  // absent, 1 when the result would exceed max bytes (nothing stored), 2
  // when stored. The TTL is kept.
  kConcatenate,
  // ARGV: ttl ms ("0": no expiry). Returns 1 when the key exists (and its
  // TTL was set), 0 otherwise.
  kTouch,
};

// Appends EVALSHA (or, with `full`, EVAL with the source) of `id` on `key`
// with `args`.
void AppendScriptCall(std::string* out, ScriptId id, absl::string_view key,
                      absl::Span<const absl::string_view> args, bool full);

// The 40 lower-case hex digits of the script's SHA-1 (as SCRIPT LOAD
// returns it).
const std::string& ScriptSha1(ScriptId id);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_SCRIPTS_H_
