// Increment and Decrement: memcached's "ma", plus the repair of what it
// leaves behind, and of what it wrongly refuses.
//
// memcached writes an arithmetic result over the old digits in place when
// it fits, padding a shorter one with spaces: "10" decremented reads back
// "9 ", "007" incremented "8  ". Every other backend stores the plain
// decimal, so the request carries, after the "ma", an "mg" of the item's
// size, CAS, flags and TTL (one write, one round trip). When the stored
// item is longer than the result and still the one "ma" wrote (same CAS),
// it is rewritten as the plain decimal, on condition of that CAS (so a
// write made meanwhile always wins), with the same flags and expiry.
//
// memcached before 1.6.22 (upstream ea92c6c01; Debian 12 ships 1.6.18)
// may refuse a counter of 2^63 or more as "non-numeric": to reject a
// negative number its safe_strtoull looks for a '-' with strchr(), which
// runs past the item's "\r\n" (item data is not NUL-terminated) into
// whatever bytes follow in the slab chunk, stale bytes of an earlier item
// included; a '-' there before a NUL fails the command. Whether it does
// depends on the chunk's history, not on the value. So a "non-numeric"
// refusal is checked: the value is read with its CAS, and when it is a
// counter by the rules every backend shares (kivi/counter.h), the
// arithmetic is done here and stored on condition of that CAS, with the
// same flags and expiry; a write made meanwhile makes it start over.
#include "kivi/counter.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"
#include "src/backend.h"
#include "src/replies.h"

namespace kivi::memcached {
namespace {

// A counter item to overwrite with plain digits: a padded result, or one
// memcached refused to count.
struct Stored {
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
  const absl::Time deadline = absl::Now() + options_.timeout;
  // Stores `result` as plain digits over `item`, on condition of its CAS,
  // keeping its flags and expiry; the reply code (HD, EX, NF), or the
  // call's error.
  auto store_digits = [&](uint64_t result,
                          const Stored& item) -> absl::StatusOr<ReplyCode> {
    const absl::AlphaNum digits(result);
    const absl::Time now = absl::Now();
    ReplyCode code = ReplyCode::kError;
    KIVI_RETURN_IF_ERROR(Call(
        key, now, deadline, Idempotent::kNo,
        [&](std::string* out, absl::string_view) {
          MetaCommand cmd(out, "ms", key, digits.size());
          if (item.ttl_seconds >= 0) {
            cmd.Int('T', KeepExpiry(item.ttl_seconds, now));
          }
          if (item.client_flags != 0) cmd.Uint('F', item.client_flags);
          cmd.Uint('C', item.cas).EndWithData(digits.Piece());
        },
        [&](const MetaReply& reply) {
          code = reply.code;
          if (code != ReplyCode::kHD && code != ReplyCode::kEX &&
              code != ReplyCode::kNF) {
            return UnexpectedReply(key, reply);
          }
          return absl::OkStatus();
        }));
    return code;
  };
  while (true) {
    uint64_t result = 0;
    absl::optional<Stored> padded;
    const absl::Time now = absl::Now();
    const absl::Status arithmetic = CallReplies(
        key, now, deadline, Idempotent::kNo,
        [&](std::string* out, absl::string_view) {
          MetaCommand cmd(out, "ma", key);
          cmd.Flag('v').Flag('c').Uint('D', magnitude);
          if (delta < 0) cmd.Token('M', "D");
          if (create) cmd.Int('N', WireTtl(ttl, now)).Uint('J', initial);
          cmd.End();
          MetaCommand(out, "mg", key)
              .Flag('s')
              .Flag('c')
              .Flag('f')
              .Flag('t')
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
            padded = Stored{*mg.cas, mg.client_flags.value_or(0),
                            mg.ttl.value_or(-1)};
          } else if (mg.code != ReplyCode::kHD && mg.code != ReplyCode::kEN) {
            return UnexpectedReply(key, mg);
          }
          return absl::OkStatus();
        });
    if (arithmetic.ok()) {
      // The increment is done and acknowledged; the rewrite is best effort
      // (a failure leaves the padded form, which every decimal reader
      // accepts).
      if (padded.has_value()) (void)store_digits(result, *padded);
      return result;
    }
    if (!absl::IsFailedPrecondition(arithmetic)) return arithmetic;
    // "Non-numeric": true, or memcached's strchr bug (see the top).
    absl::optional<uint64_t> counter;
    Stored item;
    bool found = false;
    KIVI_RETURN_IF_ERROR(Call(
        key, absl::Now(), deadline, Idempotent::kYes,
        [&](std::string* out, absl::string_view opaque) {
          MetaCommand cmd(out, "mg", key);
          cmd.Flag('v').Flag('c').Flag('f').Flag('t');
          if (!opaque.empty()) cmd.Token('O', opaque);
          cmd.End();
        },
        [&](const MetaReply& mg) {
          if (mg.code == ReplyCode::kEN) return absl::OkStatus();
          if (mg.code != ReplyCode::kVA || !mg.cas.has_value()) {
            return UnexpectedReply(key, mg);
          }
          found = true;
          counter = ParseCounter(mg.value);
          item =
              Stored{*mg.cas, mg.client_flags.value_or(0), mg.ttl.value_or(-1)};
          return absl::OkStatus();
        }));
    if (found && !counter.has_value()) return arithmetic;  // Truly not one.
    if (found) {
      const uint64_t result = ApplyCounterDelta(*counter, delta);
      KIVI_ASSIGN_OR_RETURN(ReplyCode code, store_digits(result, item));
      if (code == ReplyCode::kHD) return result;
    }
    // Deleted or written between the two requests: start over (the "ma"
    // then creates, finds no key, or sees the new value).
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("memcached: increment of ", QuoteKey(key),
                       " kept racing with other writes until the deadline"));
    }
  }
}

}  // namespace kivi::memcached
