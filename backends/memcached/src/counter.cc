// Increment and Decrement: memcached's "ma", plus the repair of what it
// leaves behind.
//
// memcached writes an arithmetic result over the old digits in place when
// it fits, padding a shorter one with spaces: "10" decremented reads back
// "9 ", "007" incremented "8  ". Every other backend stores the plain
// decimal, so the request carries, after the "ma", an "mg" of the item's
// size, CAS, flags and TTL (one write, one round trip). When the stored
// item is longer than the result and still the one "ma" wrote (same CAS),
// it is rewritten as the plain decimal, on condition of that CAS (so a
// write made meanwhile always wins), with the same flags and expiry.

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/types/optional.h"
#include "kivi/status_macros.h"
#include "src/backend.h"
#include "src/replies.h"

namespace kivi::memcached {
namespace {

// A padded counter to rewrite.
struct Padded {
  uint64_t cas = 0;
  uint32_t client_flags = 0;
  int64_t ttl_seconds = -1;  // Left to live, as mg's t reports it; -1 never.
};

// The exptime that keeps an item's expiry when it is rewritten with `left`
// seconds to live (mg's t): the same number, when relative (memcached adds
// its current second, which can only have advanced); above 30 days a unix
// time, rounded up a second so it cannot land before the server's.
int64_t KeepExpiry(int64_t left, absl::Time now) {
  constexpr int64_t kMaxRelativeSeconds = 60 * 60 * 24 * 30;
  if (left <= kMaxRelativeSeconds) return left;
  // ToUnixSeconds rounds down: one second rounds up, one more covers the
  // server's seconds starting before ours.
  return absl::ToUnixSeconds(now) + left + 2;
}

}  // namespace

absl::StatusOr<uint64_t> MemcachedBackend::Increment(absl::string_view key,
                                                     int64_t delta,
                                                     uint64_t initial,
                                                     bool create,
                                                     absl::Duration ttl) {
  // |INT64_MIN| does not fit int64_t; unsigned negation does it right.
  const uint64_t magnitude = delta < 0 ? 0 - static_cast<uint64_t>(delta)
                                       : static_cast<uint64_t>(delta);
  uint64_t result = 0;
  absl::optional<Padded> padded;
  const absl::Time now = absl::Now();
  const absl::Time deadline = now + options_.timeout;
  KIVI_RETURN_IF_ERROR(CallReplies(
      key, now, deadline, Idempotent::kNo,
      [&](std::string* out, absl::string_view opaque) {
        MetaCommand cmd(out, "ma", key);
        cmd.Flag('v').Flag('c').Uint('D', magnitude);
        if (delta < 0) cmd.Token('M', "D");
        if (create) cmd.Int('N', WireTtl(ttl, now)).Uint('J', initial);
        cmd.Opaque(opaque).End();
        MetaCommand(out, "mg", key)
            .Flag('s')
            .Flag('c')
            .Flag('f')
            .Flag('t')
            .Opaque(opaque)
            .End();
      },
      2,
      [&](absl::Span<const MetaReply> replies) {
        const MetaReply& ma = replies[0];
        const MetaReply& mg = replies[1];
        if (ma.code == ReplyCode::kNF) return KeyNotFound(key);
        if (ma.code != ReplyCode::kVA || !ma.cas.has_value() ||
            !absl::SimpleAtoi(ma.value, &result)) {
          return UnexpectedReply(key, ma);
        }
        // EN: deleted meanwhile; another CAS: written meanwhile.
        if (mg.code == ReplyCode::kHD && mg.size.has_value() &&
            *mg.size > ma.value.size() && mg.cas == ma.cas) {
          padded =
              Padded{*mg.cas, mg.client_flags.value_or(0), mg.ttl.value_or(-1)};
        } else if (mg.code != ReplyCode::kHD && mg.code != ReplyCode::kEN) {
          return UnexpectedReply(key, mg);
        }
        return absl::OkStatus();
      }));
  if (!padded.has_value()) return result;
  // The increment is done and acknowledged; the rewrite is best effort (a
  // failure leaves the padded form, which every decimal reader accepts).
  const absl::AlphaNum digits(result);
  const absl::Time rewrite_now = absl::Now();
  (void)Call(
      key, rewrite_now, deadline, Idempotent::kNo,
      [&](std::string* out, absl::string_view opaque) {
        MetaCommand cmd(out, "ms", key, digits.size());
        if (padded->ttl_seconds >= 0) {
          cmd.Int('T', KeepExpiry(padded->ttl_seconds, rewrite_now));
        }
        if (padded->client_flags != 0) cmd.Uint('F', padded->client_flags);
        cmd.Uint('C', padded->cas).Opaque(opaque).EndWithData(digits.Piece());
      },
      [&](const MetaReply&) { return absl::OkStatus(); });
  return result;
}

}  // namespace kivi::memcached
