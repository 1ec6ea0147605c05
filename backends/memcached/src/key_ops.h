#ifndef KIVI_BACKENDS_MEMCACHED_SRC_KEY_OPS_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_KEY_OPS_H_

// The single-key operations as data: how each is encoded as one meta
// command and how its reply is read, shared by the synchronous methods and
// the asynchronous path (MemcachedBackend::Submit), so that both send the
// same bytes and give the same results. Pure: no I/O.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/protocol.h"

namespace kivi::memcached {

enum class KeyOp {
  kGet,
  kSet,
  kAdd,
  kReplace,
  kCompareAndSet,
  kDelete,
  kTouch,
  kGetAndTouch,
  kGetVersioned,
};

// What an operation reads (views: they must outlive the call).
struct KeyOpArgs {
  KeyOp op = KeyOp::kGet;
  absl::string_view key;
  absl::string_view value;  // Set, Add, Replace, CompareAndSet.
  absl::Duration ttl = absl::ZeroDuration();
  uint64_t version = 0;  // CompareAndSet.
};

// What a successful operation returns beyond OK.
struct KeyOpResult {
  std::string value;     // Get, GetAndTouch, GetVersioned.
  uint64_t version = 0;  // GetVersioned.
};

// Whether the server executing the command twice leaves the same state
// (a plain set, reads, delete, touch), so it may be sent again after the
// server closed an idle connection under it.
bool KeyOpIdempotent(const KeyOpArgs& args);

// The value bytes the command stores (checked against the server's item
// size before it is sent); SIZE_MAX when it stores none.
size_t KeyOpStoredBytes(const KeyOpArgs& args);

// Appends the command, with the O flag `opaque` unless empty; `now` is the
// time TTLs count from.
void EncodeKeyOp(const KeyOpArgs& args, absl::Time now,
                 absl::string_view opaque, std::string* out);

// Reads the reply (not an error line) into `*out`; the operation's status
// (NotFound, AlreadyExists, Aborted, ...), Internal for a reply the
// command cannot produce.
absl::Status ReadKeyOp(const KeyOpArgs& args, const MetaReply& reply,
                       KeyOpResult* out);

// "ms" storing `value` under `key` with mode `mode` ('S' set, 'E' add,
// 'R' replace, 'A' append, 'P' prepend; append and prepend keep the item's
// TTL) and `cas` when non-zero.
void EncodeStore(absl::string_view key, absl::string_view value,
                 absl::Duration ttl, char mode, uint64_t cas, absl::Time now,
                 absl::string_view opaque, std::string* out);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_KEY_OPS_H_
