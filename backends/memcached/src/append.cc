// Append and Prepend within max_value_bytes and the server's item size
// (memcached deletes the item when an append outgrows it). memcached knows
// neither limit for the result, so the size is checked first and the
// append made conditional on the version that was checked (a CAS loop).

#include "absl/strings/str_cat.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"
#include "src/backend.h"
#include "src/replies.h"

namespace kivi::memcached {

absl::Status MemcachedBackend::Concatenate(absl::string_view key,
                                           absl::string_view value, char mode) {
  absl::Time deadline = absl::Now() + options_.timeout;
  while (true) {
    uint64_t size = 0;
    uint64_t cas = 0;
    KIVI_RETURN_IF_ERROR(Call(
        key, deadline,
        [&](std::string* out, absl::string_view opaque) {
          MetaCommand(out, "mg", key).Flag('s').Flag('c').Opaque(opaque).End();
        },
        [&](const MetaReply& reply) {
          if (reply.code == ReplyCode::kEN) return KeyNotFound(key);
          if (reply.code != ReplyCode::kHD || !reply.size.has_value() ||
              !reply.cas.has_value()) {
            return UnexpectedReply(key, reply);
          }
          size = *reply.size;
          cas = *reply.cas;
          return absl::OkStatus();
        }));
    const size_t total = size + value.size();
    if (total > options_.max_value_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of key ", QuoteKey(key), " would grow to ", total,
                       " bytes, over max_value_bytes (",
                       options_.max_value_bytes, "); the value is unchanged"));
    }
    // The server's item size, which the mg above learnt if it opened the
    // connection, may be smaller.
    KIVI_ASSIGN_OR_RETURN(Server * server, ServerFor(key, absl::Now()));
    KIVI_RETURN_IF_ERROR(server->CheckItemFits(key, total, deadline));
    KIVI_ASSIGN_OR_RETURN(ReplyCode code,
                          Store(key, value, absl::ZeroDuration(), mode, cas,
                                absl::Now(), deadline));
    if (code == ReplyCode::kHD) return absl::OkStatus();
    if (code == ReplyCode::kNF || code == ReplyCode::kNS) {
      return KeyNotFound(key);
    }
    // EX: written meanwhile; check the size again.
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("key ", QuoteKey(key),
                       " kept changing; could not append within the timeout"));
    }
  }
}

absl::Status MemcachedBackend::Append(absl::string_view key,
                                      absl::string_view value) {
  return Concatenate(key, value, 'A');
}

absl::Status MemcachedBackend::Prepend(absl::string_view key,
                                       absl::string_view value) {
  return Concatenate(key, value, 'P');
}

}  // namespace kivi::memcached
