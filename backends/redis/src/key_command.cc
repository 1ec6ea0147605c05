#include "backends/redis/src/key_command.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/optional.h"
#include "backends/redis/src/scripts.h"
#include "kivi/key_rules.h"

namespace kivi::redis {
namespace {

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

void AppendGetEx(std::string* out, absl::string_view key, int64_t ttl_ms) {
  if (ttl_ms > 0) {
    AppendArrayHeader(out, 4);
    AppendBulk(out, "GETEX");
    AppendBulk(out, key);
    AppendBulk(out, "PX");
    AppendBulk(out, ttl_ms);
  } else {
    AppendCommand(out, {"GETEX", key, "PERSIST"});
  }
}

absl::optional<ScriptId> ScriptOf(Operation operation) {
  switch (operation) {
    case Operation::kIncrement:
    case Operation::kDecrement:
      return ScriptId::kIncrement;
    case Operation::kGetVersioned:
      return ScriptId::kGetVersioned;
    case Operation::kCompareAndSet:
      return ScriptId::kCompareAndSet;
    case Operation::kTouch:
      return ScriptId::kTouch;
    case Operation::kAppend:
    case Operation::kPrepend:
      return ScriptId::kConcatenate;
    default:
      return absl::nullopt;
  }
}

void AppendScript(const KeyCommand& c, ScriptId id, bool full,
                  std::string* out) {
  const std::string ttl_text = absl::StrCat(TtlMillis(c.ttl));
  switch (id) {
    case ScriptId::kIncrement: {
      // The magnitude of INT64_MIN does not fit int64_t; it does fit
      // uint64_t.
      const uint64_t magnitude =
          c.delta < 0 ? uint64_t{0} - static_cast<uint64_t>(c.delta)
                      : static_cast<uint64_t>(c.delta);
      const std::string magnitude_text = absl::StrCat(magnitude);
      const std::string initial_text = absl::StrCat(c.initial);
      const absl::string_view args[] = {magnitude_text, c.delta < 0 ? "-" : "+",
                                        initial_text, c.create ? "1" : "0",
                                        ttl_text};
      AppendScriptCall(out, id, c.key, args, full);
      return;
    }
    case ScriptId::kGetVersioned:
      AppendScriptCall(out, id, c.key, {}, full);
      return;
    case ScriptId::kCompareAndSet: {
      const std::string version_text = absl::StrFormat("%016x", c.version);
      const absl::string_view args[] = {version_text, c.value, ttl_text};
      AppendScriptCall(out, id, c.key, args, full);
      return;
    }
    case ScriptId::kTouch: {
      const absl::string_view args[] = {ttl_text};
      AppendScriptCall(out, id, c.key, args, full);
      return;
    }
    case ScriptId::kConcatenate: {
      const std::string limit = absl::StrCat(c.max_value_bytes);
      const absl::string_view args[] = {
          c.value, c.operation == Operation::kAppend ? "a" : "p", limit};
      AppendScriptCall(out, id, c.key, args, full);
      return;
    }
  }
}

bool IsNullish(const Reply& reply) {
  return reply.type == ReplyType::kNull ||
         (reply.type == ReplyType::kBoolean && reply.integer == 0);
}

absl::Status Unexpected(const Reply& reply, absl::string_view what,
                        absl::string_view node, KeyResult* result) {
  result->out_of_step = true;
  return UnexpectedReply(reply, what, absl::StrCat("redis ", node));
}

// The outcome of a reply that is no error (or Increment's own error).
absl::Status Interpret(const KeyCommand& c, const Reply& reply,
                       absl::string_view node, KeyResult* result) {
  switch (c.operation) {
    case Operation::kGet:
    case Operation::kGetAndTouch: {
      if (reply.type == ReplyType::kBulkString) {
        result->value.assign(reply.text.data(), reply.text.size());
        return absl::OkStatus();
      }
      if (reply.type == ReplyType::kNull) return KeyNotFound(c.key);
      return Unexpected(reply, c.operation == Operation::kGet ? "GET" : "GETEX",
                        node, result);
    }
    case Operation::kSet:
    case Operation::kAdd:
    case Operation::kReplace: {
      if (reply.type == ReplyType::kSimpleString) return absl::OkStatus();
      if (reply.type != ReplyType::kNull)
        return Unexpected(reply, "SET", node, result);
      // The condition did not hold.
      if (c.operation == Operation::kAdd) {
        return absl::AlreadyExistsError(
            absl::StrCat("key ", QuoteKey(c.key), " already exists"));
      }
      if (c.operation == Operation::kReplace) return KeyNotFound(c.key);
      return absl::OkStatus();
    }
    case Operation::kDelete:
      if (reply.type != ReplyType::kInteger) {
        return Unexpected(reply, "DEL", node, result);
      }
      return absl::OkStatus();
    case Operation::kIncrement:
    case Operation::kDecrement: {
      if (reply.IsError()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "key ", QuoteKey(c.key), " holds no unsigned 64-bit number"));
      }
      if (IsNullish(reply)) return KeyNotFound(c.key);
      if (!reply.IsString() || !absl::SimpleAtoi(reply.text, &result->number)) {
        return Unexpected(reply, "the increment script", node, result);
      }
      return absl::OkStatus();
    }
    case Operation::kGetVersioned: {
      if (IsNullish(reply)) return KeyNotFound(c.key);
      if (!reply.IsList() || reply.elements.size() != 2 ||
          !reply.elements[0].IsString() || !reply.elements[1].IsString() ||
          !absl::SimpleHexAtoi(reply.elements[1].text, &result->number)) {
        return Unexpected(reply, "the versioned read script", node, result);
      }
      result->value.assign(reply.elements[0].text.data(),
                           reply.elements[0].text.size());
      return absl::OkStatus();
    }
    case Operation::kCompareAndSet:
      if (reply.type != ReplyType::kInteger) {
        return Unexpected(reply, "the compare-and-set script", node, result);
      }
      if (reply.integer == 0) return KeyNotFound(c.key);
      if (reply.integer == 1) {
        return absl::AbortedError(absl::StrCat(
            "key ", QuoteKey(c.key), " changed since its version was read"));
      }
      return absl::OkStatus();
    case Operation::kTouch:
      if (reply.type != ReplyType::kInteger) {
        return Unexpected(reply, "the touch script", node, result);
      }
      return reply.integer == 1 ? absl::OkStatus() : KeyNotFound(c.key);
    case Operation::kAppend:
    case Operation::kPrepend:
      if (reply.type != ReplyType::kInteger) {
        return Unexpected(reply, "the concatenate script", node, result);
      }
      if (reply.integer == 0) return KeyNotFound(c.key);
      if (reply.integer == 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("key ", QuoteKey(c.key), ": the value would exceed ",
                         c.max_value_bytes, " bytes (max_value_bytes)"));
      }
      return absl::OkStatus();
    default:
      return absl::InternalError(absl::StrCat(
          "redis: ", OperationName(c.operation), " is no single-key command"));
  }
}

}  // namespace

absl::Status KeyNotFound(absl::string_view key) {
  return absl::NotFoundError(absl::StrCat("key ", QuoteKey(key), " not found"));
}

int64_t TtlMillis(absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) return 0;
  return absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1)));
}

bool IsKeyOperation(Operation operation) {
  switch (operation) {
    case Operation::kGet:
    case Operation::kSet:
    case Operation::kDelete:
    case Operation::kAdd:
    case Operation::kReplace:
    case Operation::kIncrement:
    case Operation::kDecrement:
    case Operation::kGetVersioned:
    case Operation::kCompareAndSet:
    case Operation::kTouch:
    case Operation::kGetAndTouch:
    case Operation::kAppend:
    case Operation::kPrepend:
      return true;
    default:
      return false;
  }
}

Idempotent IdempotenceOf(const KeyCommand& command) {
  switch (command.operation) {
    case Operation::kAdd:
    case Operation::kReplace:
    case Operation::kIncrement:
    case Operation::kDecrement:
    case Operation::kCompareAndSet:
    case Operation::kAppend:
    case Operation::kPrepend:
      return Idempotent::kNo;
    default:
      return Idempotent::kYes;
  }
}

void EncodeKeyCommand(const KeyCommand& c, bool asking, bool full_script,
                      std::string* out) {
  if (asking) AppendCommand(out, {"ASKING"});
  if (const absl::optional<ScriptId> id = ScriptOf(c.operation)) {
    AppendScript(c, *id, full_script, out);
    return;
  }
  const int64_t ttl_ms = TtlMillis(c.ttl);
  switch (c.operation) {
    case Operation::kGet:
      AppendCommand(out, {"GET", c.key});
      return;
    case Operation::kSet:
      AppendSet(out, c.key, c.value, ttl_ms, "");
      return;
    case Operation::kAdd:
      AppendSet(out, c.key, c.value, ttl_ms, "NX");
      return;
    case Operation::kReplace:
      AppendSet(out, c.key, c.value, ttl_ms, "XX");
      return;
    case Operation::kDelete:
      AppendCommand(out, {"DEL", c.key});
      return;
    case Operation::kGetAndTouch:
      AppendGetEx(out, c.key, ttl_ms);
      return;
    default:
      // Not a key operation: a command the server refuses, whose error
      // reply then names it, rather than a stream out of step.
      AppendCommand(out, {"KIVI-NOT-A-KEY-COMMAND"});
      return;
  }
}

KeyVerdict ReadKeyReply(const KeyCommand& command, const Reply& reply,
                        absl::string_view node, KeyResult* result,
                        Redirect* redirect) {
  if (reply.IsError()) {
    if (ParseRedirect(reply, redirect)) return KeyVerdict::kRedirect;
    const absl::string_view code = reply.ErrorCode();
    if (code == "NOSCRIPT" && ScriptOf(command.operation).has_value()) {
      return KeyVerdict::kNoScript;
    }
    const bool counter = command.operation == Operation::kIncrement ||
                         command.operation == Operation::kDecrement;
    if (!(counter && code == "KIVI_NOT_A_NUMBER")) {
      result->status =
          ErrorReplyStatus(reply, command.key, absl::StrCat("redis ", node));
      return KeyVerdict::kDone;
    }
  }
  result->status = Interpret(command, reply, node, result);
  return KeyVerdict::kDone;
}

}  // namespace kivi::redis
