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
// depends on the chunk's history, not on the value. It never counts an
// item over its slab chunk size either. So a "non-numeric" refusal is
// checked: the value is read with its CAS, and when it is a counter by the
// rules every backend shares (kivi/counter.h), the arithmetic is done here
// and stored on condition of that CAS, with the same flags and expiry; a
// write or delete made meanwhile makes the Increment start over (within
// its deadline).

#include "kivi/counter.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"
#include "src/backend.h"
#include "src/mux_call.h"
#include "src/replies.h"

namespace kivi::memcached {
namespace {

// A counter item to overwrite with plain digits: a padded result, or one
// memcached refused to count.
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

// The request: "ma" of the delta (auto-creating with `initial` when
// `create`) and "mg" of the item's size, CAS, flags and TTL, both tagged
// with `opaque` (unless empty).
void EncodeIncrement(absl::string_view key, int64_t delta, uint64_t initial,
                     bool create, absl::Duration ttl, absl::Time now,
                     absl::string_view opaque, std::string* out) {
  // |INT64_MIN| does not fit int64_t; unsigned negation does it right.
  const uint64_t magnitude = delta < 0 ? 0 - static_cast<uint64_t>(delta)
                                       : static_cast<uint64_t>(delta);
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
}

// Reads the two replies: the new count, and whether the stored item is the
// padded form "ma" left (then `*padded` says how to rewrite it).
absl::Status ReadIncrement(absl::string_view key,
                           absl::Span<const MetaReply> replies,
                           uint64_t* result, absl::optional<Padded>* padded) {
  const MetaReply& ma = replies[0];
  const MetaReply& mg = replies[1];
  if (ma.code == ReplyCode::kNF) return KeyNotFound(key);
  if (ma.code != ReplyCode::kVA || !ma.cas.has_value() ||
      !absl::SimpleAtoi(ma.value, result)) {
    return UnexpectedReply(key, ma);
  }
  // EN: deleted meanwhile; another CAS: written meanwhile.
  if (mg.code == ReplyCode::kHD && mg.size.has_value() &&
      *mg.size > ma.value.size() && mg.cas == ma.cas) {
    *padded = Padded{*mg.cas, mg.client_flags.value_or(0), mg.ttl.value_or(-1)};
  } else if (mg.code != ReplyCode::kHD && mg.code != ReplyCode::kEN) {
    return UnexpectedReply(key, mg);
  }
  return absl::OkStatus();
}

// The conditional rewrite of a padded counter as plain decimal `digits`.
void EncodeRewrite(absl::string_view key, absl::string_view digits,
                   const Padded& padded, absl::Time now,
                   absl::string_view opaque, std::string* out) {
  MetaCommand cmd(out, "ms", key, digits.size());
  if (padded.ttl_seconds >= 0) {
    cmd.Int('T', KeepExpiry(padded.ttl_seconds, now));
  }
  if (padded.client_flags != 0) cmd.Uint('F', padded.client_flags);
  cmd.Uint('C', padded.cas).Opaque(opaque).EndWithData(digits);
}

// The check of a "non-numeric" refusal: "mg" of the value, CAS, flags and
// TTL.
void EncodeCounterRead(absl::string_view key, absl::string_view opaque,
                       std::string* out) {
  MetaCommand(out, "mg", key)
      .Flag('v')
      .Flag('c')
      .Flag('f')
      .Flag('t')
      .Opaque(opaque)
      .End();
}

// What the check found: no item (`*found` false), or the item and, when it
// is a counter by the shared rules, its count.
absl::Status ReadCounter(absl::string_view key, const MetaReply& mg,
                         bool* found, absl::optional<uint64_t>* counter,
                         Padded* item) {
  *found = false;
  if (mg.code == ReplyCode::kEN) return absl::OkStatus();
  if (mg.code != ReplyCode::kVA || !mg.cas.has_value()) {
    return UnexpectedReply(key, mg);
  }
  *found = true;
  *counter = ParseCounter(mg.value);
  *item = Padded{*mg.cas, mg.client_flags.value_or(0), mg.ttl.value_or(-1)};
  return absl::OkStatus();
}

// The reply to the conditional store of a counted value: HD stored, EX or
// NF written or deleted meanwhile.
absl::Status ReadStore(absl::string_view key, const MetaReply& ms,
                       ReplyCode* code) {
  *code = ms.code;
  if (ms.code != ReplyCode::kHD && ms.code != ReplyCode::kEX &&
      ms.code != ReplyCode::kNF) {
    return UnexpectedReply(key, ms);
  }
  return absl::OkStatus();
}

absl::Status RacedUntilDeadline(absl::string_view key) {
  return absl::DeadlineExceededError(
      absl::StrCat("memcached: increment of ", QuoteKey(key),
                   " kept racing with other writes until the deadline"));
}

}  // namespace

absl::StatusOr<uint64_t> MemcachedBackend::Increment(absl::string_view key,
                                                     int64_t delta,
                                                     uint64_t initial,
                                                     bool create,
                                                     absl::Duration ttl) {
  const absl::Time deadline = absl::Now() + options_.timeout;
  while (true) {
    uint64_t result = 0;
    absl::optional<Padded> padded;
    const absl::Time now = absl::Now();
    const absl::Status arithmetic = CallReplies(
        key, now, deadline, Idempotent::kNo,
        [&](std::string* out, absl::string_view opaque) {
          EncodeIncrement(key, delta, initial, create, ttl, now, opaque, out);
        },
        2,
        [&](absl::Span<const MetaReply> replies) {
          return ReadIncrement(key, replies, &result, &padded);
        });
    if (arithmetic.ok()) {
      if (!padded.has_value()) return result;
      // The increment is done and acknowledged; the rewrite is best effort
      // (a failure leaves the padded form, which every decimal reader
      // accepts).
      const absl::AlphaNum digits(result);
      const absl::Time rewrite_now = absl::Now();
      (void)Call(
          key, rewrite_now, deadline, Idempotent::kNo,
          [&](std::string* out, absl::string_view opaque) {
            EncodeRewrite(key, digits.Piece(), *padded, rewrite_now, opaque,
                          out);
          },
          [&](const MetaReply&) { return absl::OkStatus(); });
      return result;
    }
    if (!absl::IsFailedPrecondition(arithmetic)) return arithmetic;
    // "Non-numeric": true, or memcached's strchr bug (see the top).
    bool found = false;
    absl::optional<uint64_t> counter;
    Padded item;
    KIVI_RETURN_IF_ERROR(Call(
        key, absl::Now(), deadline, Idempotent::kYes,
        [&](std::string* out, absl::string_view opaque) {
          EncodeCounterRead(key, opaque, out);
        },
        [&](const MetaReply& mg) {
          return ReadCounter(key, mg, &found, &counter, &item);
        }));
    if (found && !counter.has_value()) return arithmetic;  // Truly not one.
    if (found) {
      const uint64_t counted = ApplyCounterDelta(*counter, delta);
      const absl::AlphaNum digits(counted);
      const absl::Time store_now = absl::Now();
      ReplyCode code = ReplyCode::kError;
      KIVI_RETURN_IF_ERROR(Call(
          key, store_now, deadline, Idempotent::kNo,
          [&](std::string* out, absl::string_view opaque) {
            EncodeRewrite(key, digits.Piece(), item, store_now, opaque, out);
          },
          [&](const MetaReply& ms) { return ReadStore(key, ms, &code); }));
      if (code == ReplyCode::kHD) return counted;
    }
    // Deleted or written between the requests: start over (the "ma" then
    // creates, finds no key, or sees the new value).
    if (absl::Now() >= deadline) return RacedUntilDeadline(key);
  }
}

void MemcachedBackend::SubmitIncrement(Server* server, AsyncRequest request,
                                       AsyncDone done, absl::Time now) {
  struct State {
    AsyncRequest request;
    AsyncDone done;
    absl::Time deadline;
    uint64_t result = 0;
    absl::optional<Padded> padded;
    std::string digits;
    // The check of a "non-numeric" refusal (see the top).
    bool found = false;
    absl::optional<uint64_t> counter;
    Padded item;
    ReplyCode code = ReplyCode::kError;
  };
  auto state = std::make_shared<State>();
  state->request = std::move(request);
  state->done = std::move(done);
  state->deadline = now + options_.timeout;
  const AsyncRequest& r = state->request;
  auto call = std::make_shared<MetaCall>(
      server, r.key, state->deadline, /*idempotent=*/false, 2,
      MetaCall::kNoValue, [state](absl::Span<const MetaReply> replies) {
        return ReadIncrement(state->request.key, replies, &state->result,
                             &state->padded);
      });
  EncodeIncrement(r.key, r.delta, r.initial, r.create, r.ttl, now,
                  call->opaque(), call->bytes());
  // The rewrite, when needed, is chained from the first reply's callback,
  // and the call completes once it is done (as the synchronous Increment
  // returns after it), whatever its outcome.
  // A "non-numeric" refusal is checked as Increment does: read, count
  // here when it is a counter, store on condition of its CAS; a write or
  // delete meanwhile submits the whole increment again (with a fresh
  // deadline, unless this one has passed).
  auto check_refused = [this, server](std::shared_ptr<State> state,
                                      absl::Status refusal) {
    auto deliver = [state](absl::Status status, uint64_t number) {
      AsyncReply reply;
      reply.status = std::move(status);
      reply.number = number;
      std::move(state->done)(std::move(reply));
    };
    auto restart = [this, server, state, deliver] {
      if (absl::Now() >= state->deadline) {
        deliver(RacedUntilDeadline(state->request.key), 0);
        return;
      }
      SubmitIncrement(server, std::move(state->request), std::move(state->done),
                      absl::Now());
    };
    auto read = std::make_shared<MetaCall>(
        server, state->request.key, state->deadline, /*idempotent=*/true, 1,
        MetaCall::kNoValue, [state](absl::Span<const MetaReply> replies) {
          return ReadCounter(state->request.key, replies[0], &state->found,
                             &state->counter, &state->item);
        });
    EncodeCounterRead(state->request.key, read->opaque(), read->bytes());
    read->set_done([state, server, deliver, restart,
                    refusal = std::move(refusal)](absl::Status status) mutable {
      if (!status.ok()) return deliver(std::move(status), 0);
      if (!state->found) return restart();
      if (!state->counter.has_value()) return deliver(std::move(refusal), 0);
      state->result = ApplyCounterDelta(*state->counter, state->request.delta);
      state->digits = absl::StrCat(state->result);
      auto store = std::make_shared<MetaCall>(
          server, state->request.key, state->deadline, /*idempotent=*/false, 1,
          MetaCall::kNoValue, [state](absl::Span<const MetaReply> replies) {
            return ReadStore(state->request.key, replies[0], &state->code);
          });
      EncodeRewrite(state->request.key, state->digits, state->item, absl::Now(),
                    store->opaque(), store->bytes());
      store->set_done([state, deliver, restart](absl::Status status) {
        if (!status.ok()) return deliver(std::move(status), 0);
        if (state->code == ReplyCode::kHD) {
          return deliver(absl::OkStatus(), state->result);
        }
        restart();
      });
      server->mux()->Submit(std::move(store));
    });
    server->mux()->Submit(std::move(read));
  };
  call->set_done([state, server, check_refused](absl::Status status) {
    if (absl::IsFailedPrecondition(status)) {
      check_refused(state, std::move(status));
      return;
    }
    auto finish = [state] {
      AsyncReply reply;
      reply.number = state->result;
      std::move(state->done)(std::move(reply));
    };
    if (!status.ok() || !state->padded.has_value()) {
      AsyncReply reply;
      reply.status = std::move(status);
      reply.number = state->result;
      std::move(state->done)(std::move(reply));
      return;
    }
    state->digits = absl::StrCat(state->result);
    auto rewrite = std::make_shared<MetaCall>(
        server, state->request.key, state->deadline, /*idempotent=*/false, 1,
        MetaCall::kNoValue,
        [](absl::Span<const MetaReply>) { return absl::OkStatus(); });
    EncodeRewrite(state->request.key, state->digits, *state->padded,
                  absl::Now(), rewrite->opaque(), rewrite->bytes());
    rewrite->set_done([finish](absl::Status) { finish(); });
    server->mux()->Submit(std::move(rewrite));
  });
  server->mux()->Submit(std::move(call));
}

}  // namespace kivi::memcached
