#include "src/key_ops.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "kivi/key_rules.h"
#include "src/backend.h"
#include "src/replies.h"

namespace kivi::memcached {
namespace {

// CompareAndSet with version 0 asks only whether the key exists: C0 would
// mean "no CAS" to memcached; no item ever has version 0, so it conflicts
// with any present item and, as on every backend, an absent key is
// NotFound.
bool IsExistenceCheck(const KeyOpArgs& args) {
  return args.op == KeyOp::kCompareAndSet && args.version == 0;
}

char StoreMode(KeyOp op) {
  switch (op) {
    case KeyOp::kAdd:
      return 'E';
    case KeyOp::kReplace:
      return 'R';
    default:
      return 'S';
  }
}

absl::Status ReadStore(const KeyOpArgs& args, const MetaReply& reply) {
  const absl::string_view key = args.key;
  switch (reply.code) {
    case ReplyCode::kHD:
      return absl::OkStatus();
    case ReplyCode::kNS:
      if (args.op == KeyOp::kAdd) {
        return absl::AlreadyExistsError(
            absl::StrCat("key ", QuoteKey(key), " already exists"));
      }
      if (args.op == KeyOp::kSet) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "memcached did not store key ", QuoteKey(key), " (NS)"));
      }
      return KeyNotFound(key);
    case ReplyCode::kEX:
      if (args.op == KeyOp::kCompareAndSet) {
        return absl::AbortedError(absl::StrCat("key ", QuoteKey(key),
                                               " was modified since version ",
                                               args.version));
      }
      break;
    case ReplyCode::kNF:
      if (args.op == KeyOp::kCompareAndSet) return KeyNotFound(key);
      break;
    default:
      return UnexpectedReply(key, reply);
  }
  // EX or NF to a store that sent no CAS.
  if (args.op == KeyOp::kSet) {
    return absl::ResourceExhaustedError(
        absl::StrCat("memcached did not store key ", QuoteKey(key), " (",
                     ReplyCodeName(reply.code), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

bool KeyOpIdempotent(const KeyOpArgs& args) {
  switch (args.op) {
    case KeyOp::kAdd:
    case KeyOp::kReplace:
      return false;
    case KeyOp::kCompareAndSet:
      return IsExistenceCheck(args);
    default:
      return true;
  }
}

size_t KeyOpStoredBytes(const KeyOpArgs& args) {
  switch (args.op) {
    case KeyOp::kSet:
    case KeyOp::kAdd:
    case KeyOp::kReplace:
      return args.value.size();
    case KeyOp::kCompareAndSet:
      return IsExistenceCheck(args) ? SIZE_MAX : args.value.size();
    default:
      return SIZE_MAX;
  }
}

void EncodeStore(absl::string_view key, absl::string_view value,
                 absl::Duration ttl, char mode, uint64_t cas, absl::Time now,
                 absl::string_view opaque, std::string* out) {
  MetaCommand cmd(out, "ms", key, value.size());
  if (mode != 'A' && mode != 'P') cmd.Int('T', WireTtl(ttl, now));
  if (mode != 'S') cmd.Token('M', absl::string_view(&mode, 1));
  if (cas != 0) cmd.Uint('C', cas);
  cmd.Opaque(opaque).EndWithData(value);
}

void EncodeKeyOp(const KeyOpArgs& args, absl::Time now,
                 absl::string_view opaque, std::string* out) {
  const absl::string_view key = args.key;
  switch (args.op) {
    case KeyOp::kGet:
      MetaCommand(out, "mg", key).Flag('v').Opaque(opaque).End();
      return;
    case KeyOp::kSet:
    case KeyOp::kAdd:
    case KeyOp::kReplace:
      EncodeStore(key, args.value, args.ttl, StoreMode(args.op), 0, now, opaque,
                  out);
      return;
    case KeyOp::kCompareAndSet:
      if (IsExistenceCheck(args)) {
        MetaCommand(out, "mg", key).Opaque(opaque).End();
      } else {
        EncodeStore(key, args.value, args.ttl, 'S', args.version, now, opaque,
                    out);
      }
      return;
    case KeyOp::kDelete:
      MetaCommand(out, "md", key).Opaque(opaque).End();
      return;
    case KeyOp::kTouch:
      MetaCommand(out, "mg", key)
          .Int('T', WireTtl(args.ttl, now))
          .Opaque(opaque)
          .End();
      return;
    case KeyOp::kGetAndTouch:
      MetaCommand(out, "mg", key)
          .Flag('v')
          .Int('T', WireTtl(args.ttl, now))
          .Opaque(opaque)
          .End();
      return;
    case KeyOp::kGetVersioned:
      MetaCommand(out, "mg", key).Flag('v').Flag('c').Opaque(opaque).End();
      return;
  }
}

absl::Status ReadKeyOp(const KeyOpArgs& args, const MetaReply& reply,
                       KeyOpResult* out) {
  const absl::string_view key = args.key;
  switch (args.op) {
    case KeyOp::kGet:
    case KeyOp::kGetAndTouch:
    case KeyOp::kGetVersioned:
      if (reply.code == ReplyCode::kEN) return KeyNotFound(key);
      if (reply.code != ReplyCode::kVA ||
          (args.op == KeyOp::kGetVersioned && !reply.cas.has_value())) {
        return UnexpectedReply(key, reply);
      }
      out->value.assign(reply.value.data(), reply.value.size());
      if (args.op == KeyOp::kGetVersioned) out->version = *reply.cas;
      return absl::OkStatus();
    case KeyOp::kTouch:
      if (reply.code == ReplyCode::kEN) return KeyNotFound(key);
      if (reply.code != ReplyCode::kHD) return UnexpectedReply(key, reply);
      return absl::OkStatus();
    case KeyOp::kDelete:
      if (reply.code == ReplyCode::kHD || reply.code == ReplyCode::kNF) {
        return absl::OkStatus();
      }
      return UnexpectedReply(key, reply);
    case KeyOp::kCompareAndSet:
      if (IsExistenceCheck(args)) {
        if (reply.code == ReplyCode::kEN) return KeyNotFound(key);
        if (reply.code != ReplyCode::kHD) return UnexpectedReply(key, reply);
        return absl::AbortedError(absl::StrCat(
            "key ", QuoteKey(key), " was modified (version 0 never matches)"));
      }
      return ReadStore(args, reply);
    case KeyOp::kSet:
    case KeyOp::kAdd:
    case KeyOp::kReplace:
      return ReadStore(args, reply);
  }
  return UnexpectedReply(key, reply);
}

}  // namespace kivi::memcached
