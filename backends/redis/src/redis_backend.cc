#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "backends/redis/src/backend.h"
#include "backends/redis/src/replies.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"

namespace kivi::redis {
namespace {

bool Handles(absl::Span<const absl::string_view> codes,
             absl::string_view code) {
  for (const absl::string_view c : codes) {
    if (c == code) return true;
  }
  return false;
}

// Appends SET key value [PX ms] [condition].
void AppendSet(std::string* out, absl::string_view key, absl::string_view value,
               int64_t ttl_ms, absl::string_view condition) {
  AppendArrayHeader(out,
                    3 + (ttl_ms > 0 ? 2 : 0) + (condition.empty() ? 0 : 1));
  AppendBulk(out, "SET");
  AppendBulk(out, key);
  AppendBulk(out, value);
  if (ttl_ms > 0) {
    AppendBulk(out, "PX");
    AppendBulk(out, ttl_ms);
  }
  if (!condition.empty()) AppendBulk(out, condition);
}

}  // namespace

absl::Status KeyNotFound(absl::string_view key) {
  return absl::NotFoundError(absl::StrCat("key ", QuoteKey(key), " not found"));
}

int64_t TtlMillis(absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) return 0;
  return absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1)));
}

RedisBackend::RedisBackend(const RedisOptions& options,
                           std::unique_ptr<Topology> topology)
    : options_(options), topology_(std::move(topology)) {}

Capabilities RedisBackend::capabilities() const {
  Capabilities caps = Capabilities::All();
  // Redis has no delayed flush, and a timer in this process would be lost
  // with it.
  caps.delayed_flush = false;
  caps.ttl_resolution = absl::Milliseconds(1);
  return caps;
}

absl::Time RedisBackend::Deadline() const {
  return absl::Now() + options_.timeout;
}

absl::Status RedisBackend::Call(
    absl::string_view key, absl::Time deadline, Idempotent idempotent,
    absl::FunctionRef<void(std::string*)> encode, Handler handle,
    absl::Span<const absl::string_view> handled_errors) {
  KIVI_ASSIGN_OR_RETURN(Node * node, topology_->NodeFor(key, deadline));
  bool asking = false;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    Redirect redirect;
    bool redirected = false;
    absl::Status result;
    const size_t count = asking ? 2 : 1;
    KIVI_RETURN_IF_ERROR(node->Run(
        deadline, idempotent, count,
        [&](std::string* out) {
          if (asking) AppendCommand(out, {"ASKING"});
          encode(out);
        },
        [&](size_t index, const Reply& reply) {
          if (index + 1 < count) return;  // ASKING's +OK.
          if (ParseRedirect(reply, &redirect)) {
            redirected = true;
          } else if (reply.IsError() &&
                     !Handles(handled_errors, reply.ErrorCode())) {
            result = ErrorReplyStatus(reply, key,
                                      absl::StrCat("redis ", node->name()));
          } else {
            result = handle(reply);
          }
        }));
    if (!redirected) return result;
    KIVI_ASSIGN_OR_RETURN(node, topology_->NodeAt(redirect.target));
    asking = redirect.ask;
    if (!redirect.ask) topology_->RefreshAfterMoved(deadline);
  }
  return absl::UnavailableError(absl::StrCat("redis: key ", QuoteKey(key),
                                             ": more than ", kMaxRedirects,
                                             " cluster redirections"));
}

absl::Status RedisBackend::CallScript(
    absl::string_view key, absl::Time deadline, Idempotent idempotent,
    ScriptId id, absl::Span<const absl::string_view> args, Handler handle,
    absl::Span<const absl::string_view> handled_errors) {
  std::vector<absl::string_view> codes(handled_errors.begin(),
                                       handled_errors.end());
  codes.push_back("NOSCRIPT");
  for (const bool full : {false, true}) {
    bool missing = false;
    // A NOSCRIPT reply ran nothing, so sending the source is safe even for
    // a request that is not idempotent.
    absl::Status status = Call(
        key, deadline, idempotent,
        [&](std::string* out) { AppendScriptCall(out, id, key, args, full); },
        [&](const Reply& reply) -> absl::Status {
          if (reply.IsError() && reply.ErrorCode() == "NOSCRIPT") {
            missing = true;
            return absl::OkStatus();
          }
          return handle(reply);
        },
        codes);
    if (!missing) return status;
  }
  return absl::InternalError("redis: script not loaded after EVAL");
}

absl::StatusOr<std::string> RedisBackend::Get(absl::string_view key) {
  // The miss status is built only on a miss: a hit allocates nothing but
  // its value.
  std::string value;
  bool found = false;
  KIVI_RETURN_IF_ERROR(Call(
      key, Deadline(), Idempotent::kYes,
      [&](std::string* out) {
        AppendCommand(out, {"GET", key});
      },
      [&](const Reply& reply) -> absl::Status {
        if (reply.type == ReplyType::kBulkString) {
          value.assign(reply.text.data(), reply.text.size());
          found = true;
        } else if (reply.type != ReplyType::kNull) {
          return UnexpectedReply(reply, "GET", "redis");
        }
        return absl::OkStatus();
      }));
  if (!found) return KeyNotFound(key);
  return value;
}

absl::Status RedisBackend::SetIf(absl::string_view key, absl::string_view value,
                                 absl::Duration ttl,
                                 absl::string_view condition, bool* stored) {
  const int64_t ttl_ms = TtlMillis(ttl);
  return Call(
      key, Deadline(), condition.empty() ? Idempotent::kYes : Idempotent::kNo,
      [&](std::string* out) { AppendSet(out, key, value, ttl_ms, condition); },
      [&](const Reply& reply) -> absl::Status {
        if (reply.type == ReplyType::kNull) {
          *stored = false;
        } else if (reply.type == ReplyType::kSimpleString) {
          *stored = true;
        } else {
          return UnexpectedReply(reply, "SET", "redis");
        }
        return absl::OkStatus();
      });
}

absl::Status RedisBackend::Set(absl::string_view key, absl::string_view value,
                               absl::Duration ttl) {
  bool stored = false;
  return SetIf(key, value, ttl, "", &stored);
}

absl::Status RedisBackend::Add(absl::string_view key, absl::string_view value,
                               absl::Duration ttl) {
  bool stored = false;
  KIVI_RETURN_IF_ERROR(SetIf(key, value, ttl, "NX", &stored));
  if (!stored) {
    return absl::AlreadyExistsError(
        absl::StrCat("key ", QuoteKey(key), " already exists"));
  }
  return absl::OkStatus();
}

absl::Status RedisBackend::Replace(absl::string_view key,
                                   absl::string_view value,
                                   absl::Duration ttl) {
  bool stored = false;
  KIVI_RETURN_IF_ERROR(SetIf(key, value, ttl, "XX", &stored));
  return stored ? absl::OkStatus() : KeyNotFound(key);
}

absl::Status RedisBackend::Delete(absl::string_view key) {
  return Call(
      key, Deadline(), Idempotent::kYes,
      [&](std::string* out) {
        AppendCommand(out, {"DEL", key});
      },
      [&](const Reply& reply) -> absl::Status {
        if (reply.type != ReplyType::kInteger) {
          return UnexpectedReply(reply, "DEL", "redis");
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<uint64_t> RedisBackend::Increment(absl::string_view key,
                                                 int64_t delta,
                                                 uint64_t initial, bool create,
                                                 absl::Duration ttl) {
  // The magnitude of INT64_MIN does not fit int64_t; it does fit uint64_t.
  const uint64_t magnitude = delta < 0
                                 ? uint64_t{0} - static_cast<uint64_t>(delta)
                                 : static_cast<uint64_t>(delta);
  const std::string magnitude_text = absl::StrCat(magnitude);
  const std::string initial_text = absl::StrCat(initial);
  const std::string ttl_text = absl::StrCat(TtlMillis(ttl));
  const absl::string_view args[] = {magnitude_text, delta < 0 ? "-" : "+",
                                    initial_text, create ? "1" : "0", ttl_text};
  absl::StatusOr<uint64_t> result = KeyNotFound(key);
  KIVI_RETURN_IF_ERROR(CallScript(
      key, Deadline(), Idempotent::kNo, ScriptId::kIncrement, args,
      [&](const Reply& reply) -> absl::Status {
        if (reply.IsError()) {
          result = absl::FailedPreconditionError(absl::StrCat(
              "key ", QuoteKey(key), " holds no unsigned 64-bit number"));
          return absl::OkStatus();
        }
        if (reply.type == ReplyType::kNull ||
            (reply.type == ReplyType::kBoolean && reply.integer == 0)) {
          return absl::OkStatus();
        }
        uint64_t value;
        if (!reply.IsString() || !absl::SimpleAtoi(reply.text, &value)) {
          return UnexpectedReply(reply, "the increment script", "redis");
        }
        result = value;
        return absl::OkStatus();
      },
      {"KIVI_NOT_A_NUMBER"}));
  return result;
}

absl::StatusOr<VersionedValue> RedisBackend::GetVersioned(
    absl::string_view key) {
  absl::StatusOr<VersionedValue> result = KeyNotFound(key);
  KIVI_RETURN_IF_ERROR(CallScript(
      key, Deadline(), Idempotent::kYes, ScriptId::kGetVersioned, {},
      [&](const Reply& reply) -> absl::Status {
        if (reply.type == ReplyType::kNull ||
            (reply.type == ReplyType::kBoolean && reply.integer == 0)) {
          return absl::OkStatus();
        }
        uint64_t version;
        if (!reply.IsList() || reply.elements.size() != 2 ||
            !reply.elements[0].IsString() || !reply.elements[1].IsString() ||
            !absl::SimpleHexAtoi(reply.elements[1].text, &version)) {
          return UnexpectedReply(reply, "the versioned read script", "redis");
        }
        result = VersionedValue{std::string(reply.elements[0].text), version};
        return absl::OkStatus();
      }));
  return result;
}

absl::Status RedisBackend::CompareAndSet(absl::string_view key,
                                         absl::string_view value,
                                         uint64_t version, absl::Duration ttl) {
  const std::string version_text = absl::StrFormat("%016x", version);
  const std::string ttl_text = absl::StrCat(TtlMillis(ttl));
  const absl::string_view args[] = {version_text, value, ttl_text};
  absl::Status result;
  KIVI_RETURN_IF_ERROR(CallScript(
      key, Deadline(), Idempotent::kNo, ScriptId::kCompareAndSet, args,
      [&](const Reply& reply) -> absl::Status {
        if (reply.type != ReplyType::kInteger) {
          return UnexpectedReply(reply, "the compare-and-set script", "redis");
        }
        if (reply.integer == 0) result = KeyNotFound(key);
        if (reply.integer == 1) {
          result = absl::AbortedError(absl::StrCat(
              "key ", QuoteKey(key), " changed since its version was read"));
        }
        return absl::OkStatus();
      }));
  return result;
}

absl::Status RedisBackend::Touch(absl::string_view key, absl::Duration ttl) {
  const std::string ttl_text = absl::StrCat(TtlMillis(ttl));
  const absl::string_view args[] = {ttl_text};
  bool found = false;
  KIVI_RETURN_IF_ERROR(
      CallScript(key, Deadline(), Idempotent::kYes, ScriptId::kTouch, args,
                 [&](const Reply& reply) -> absl::Status {
                   if (reply.type != ReplyType::kInteger) {
                     return UnexpectedReply(reply, "the touch script", "redis");
                   }
                   found = reply.integer == 1;
                   return absl::OkStatus();
                 }));
  return found ? absl::OkStatus() : KeyNotFound(key);
}

absl::StatusOr<std::string> RedisBackend::GetAndTouch(absl::string_view key,
                                                      absl::Duration ttl) {
  const int64_t ttl_ms = TtlMillis(ttl);
  absl::StatusOr<std::string> value = KeyNotFound(key);
  KIVI_RETURN_IF_ERROR(Call(
      key, Deadline(), Idempotent::kYes,
      [&](std::string* out) {
        if (ttl_ms > 0) {
          AppendArrayHeader(out, 4);
          AppendBulk(out, "GETEX");
          AppendBulk(out, key);
          AppendBulk(out, "PX");
          AppendBulk(out, ttl_ms);
        } else {
          AppendCommand(out, {"GETEX", key, "PERSIST"});
        }
      },
      [&](const Reply& reply) -> absl::Status {
        if (reply.type == ReplyType::kBulkString) {
          value = std::string(reply.text);
        } else if (reply.type != ReplyType::kNull) {
          return UnexpectedReply(reply, "GETEX", "redis");
        }
        return absl::OkStatus();
      }));
  return value;
}

absl::Status RedisBackend::Concatenate(absl::string_view key,
                                       absl::string_view value, char mode) {
  const std::string limit = absl::StrCat(options_.max_value_bytes);
  const absl::string_view args[] = {value, mode == 'a' ? "a" : "p", limit};
  absl::Status result;
  KIVI_RETURN_IF_ERROR(CallScript(
      key, Deadline(), Idempotent::kNo, ScriptId::kConcatenate, args,
      [&](const Reply& reply) -> absl::Status {
        if (reply.type != ReplyType::kInteger) {
          return UnexpectedReply(reply, "the concatenate script", "redis");
        }
        if (reply.integer == 0) result = KeyNotFound(key);
        if (reply.integer == 1) {
          result = absl::InvalidArgumentError(absl::StrCat(
              "key ", QuoteKey(key), ": the value would exceed ",
              options_.max_value_bytes, " bytes (max_value_bytes)"));
        }
        return absl::OkStatus();
      }));
  return result;
}

absl::Status RedisBackend::Append(absl::string_view key,
                                  absl::string_view value) {
  return Concatenate(key, value, 'a');
}

absl::Status RedisBackend::Prepend(absl::string_view key,
                                   absl::string_view value) {
  return Concatenate(key, value, 'p');
}

}  // namespace kivi::redis
