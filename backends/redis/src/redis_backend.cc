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

KeyResult RedisBackend::RunKey(const KeyCommand& command) {
  const absl::Time deadline = Deadline();
  KeyResult result;
  absl::StatusOr<Node*> node = topology_->NodeFor(command.key, deadline);
  if (!node.ok()) {
    result.status = node.status();
    return result;
  }
  const Idempotent idempotent = IdempotenceOf(command);
  bool asking = false;
  bool full_script = false;
  for (int hop = 0; hop <= kMaxRedirects;) {
    Redirect redirect;
    KeyVerdict verdict = KeyVerdict::kDone;
    const size_t count = asking ? 2 : 1;
    const absl::Status run = (*node)->Call(
        deadline, idempotent, count,
        [&](std::string* out) {
          EncodeKeyCommand(command, asking, full_script, out);
        },
        [&](const Reply& reply) {
          verdict =
              ReadKeyReply(command, reply, (*node)->name(), &result, &redirect);
          return !result.out_of_step;
        });
    if (!run.ok()) {
      result.status = run;
      return result;
    }
    switch (verdict) {
      case KeyVerdict::kDone:
        return result;
      case KeyVerdict::kNoScript:
        // A NOSCRIPT reply ran nothing, so sending the source is safe even
        // for a request that is not idempotent.
        if (full_script) {
          result.status = absl::InternalError(absl::StrCat(
              "redis ", (*node)->name(), ": NOSCRIPT in reply to EVAL"));
          return result;
        }
        full_script = true;
        break;
      case KeyVerdict::kRedirect:
        node = topology_->NodeAt(redirect.target);
        if (!node.ok()) {
          result.status = node.status();
          return result;
        }
        asking = redirect.ask;
        if (!redirect.ask) topology_->RefreshAfterMoved(deadline);
        ++hop;
        break;
    }
  }
  result.status = TooManyRedirects(command.key);
  return result;
}

absl::Status TooManyRedirects(absl::string_view key) {
  return absl::UnavailableError(absl::StrCat("redis: key ", QuoteKey(key),
                                             ": more than ", kMaxRedirects,
                                             " cluster redirections"));
}

absl::StatusOr<std::string> RedisBackend::Get(absl::string_view key) {
  KeyResult r = RunKey({.operation = Operation::kGet, .key = key});
  if (!r.status.ok()) return std::move(r.status);
  return std::move(r.value);
}

absl::Status RedisBackend::Set(absl::string_view key, absl::string_view value,
                               absl::Duration ttl) {
  return RunKey({.operation = Operation::kSet,
                 .key = key,
                 .value = value,
                 .ttl = ttl})
      .status;
}

absl::Status RedisBackend::Add(absl::string_view key, absl::string_view value,
                               absl::Duration ttl) {
  return RunKey({.operation = Operation::kAdd,
                 .key = key,
                 .value = value,
                 .ttl = ttl})
      .status;
}

absl::Status RedisBackend::Replace(absl::string_view key,
                                   absl::string_view value,
                                   absl::Duration ttl) {
  return RunKey({.operation = Operation::kReplace,
                 .key = key,
                 .value = value,
                 .ttl = ttl})
      .status;
}

absl::Status RedisBackend::Delete(absl::string_view key) {
  return RunKey({.operation = Operation::kDelete, .key = key}).status;
}

absl::StatusOr<uint64_t> RedisBackend::Increment(absl::string_view key,
                                                 int64_t delta,
                                                 uint64_t initial, bool create,
                                                 absl::Duration ttl) {
  KeyResult r = RunKey({.operation = Operation::kIncrement,
                        .key = key,
                        .ttl = ttl,
                        .delta = delta,
                        .initial = initial,
                        .create = create});
  if (!r.status.ok()) return std::move(r.status);
  return r.number;
}

absl::StatusOr<VersionedValue> RedisBackend::GetVersioned(
    absl::string_view key) {
  KeyResult r = RunKey({.operation = Operation::kGetVersioned, .key = key});
  if (!r.status.ok()) return std::move(r.status);
  return VersionedValue{std::move(r.value), r.number};
}

absl::Status RedisBackend::CompareAndSet(absl::string_view key,
                                         absl::string_view value,
                                         uint64_t version, absl::Duration ttl) {
  return RunKey({.operation = Operation::kCompareAndSet,
                 .key = key,
                 .value = value,
                 .ttl = ttl,
                 .version = version})
      .status;
}

absl::Status RedisBackend::Touch(absl::string_view key, absl::Duration ttl) {
  return RunKey({.operation = Operation::kTouch, .key = key, .ttl = ttl})
      .status;
}

absl::StatusOr<std::string> RedisBackend::GetAndTouch(absl::string_view key,
                                                      absl::Duration ttl) {
  KeyResult r =
      RunKey({.operation = Operation::kGetAndTouch, .key = key, .ttl = ttl});
  if (!r.status.ok()) return std::move(r.status);
  return std::move(r.value);
}

absl::Status RedisBackend::Append(absl::string_view key,
                                  absl::string_view value) {
  return RunKey({.operation = Operation::kAppend,
                 .key = key,
                 .value = value,
                 .max_value_bytes = options_.max_value_bytes})
      .status;
}

absl::Status RedisBackend::Prepend(absl::string_view key,
                                   absl::string_view value) {
  return RunKey({.operation = Operation::kPrepend,
                 .key = key,
                 .value = value,
                 .max_value_bytes = options_.max_value_bytes})
      .status;
}

}  // namespace kivi::redis
