#ifndef KIVI_BACKENDS_REDIS_SRC_KEY_COMMAND_H_
#define KIVI_BACKENDS_REDIS_SRC_KEY_COMMAND_H_

// A single-key operation as one Redis command and what its reply means,
// apart from how the command travels. The synchronous methods and the
// asynchronous calls (Submit) both encode and read replies here, so they
// cannot disagree; they differ only in who waits for the reply and who
// follows a redirection or a NOSCRIPT.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/redis/src/node.h"
#include "backends/redis/src/replies.h"
#include "backends/redis/src/resp.h"
#include "kivi/observer.h"

namespace kivi::redis {

// The arguments of one single-key operation; views into the caller's
// strings, which outlive every use of the command.
struct KeyCommand {
  Operation operation = Operation::kGet;
  absl::string_view key;
  absl::string_view value;  // Set, Add, Replace, CompareAndSet, Append...
  absl::Duration ttl = absl::ZeroDuration();
  int64_t delta = 0;  // Increment; negative decrements.
  uint64_t initial = 0;
  bool create = false;
  uint64_t version = 0;        // CompareAndSet.
  size_t max_value_bytes = 0;  // Append, Prepend.
};

// Milliseconds for PX/PEXPIRE: `ttl` rounded up, so an entry never expires
// before asked; at least 1 for a positive TTL.
int64_t TtlMillis(absl::Duration ttl);

// NotFound naming `key`.
absl::Status KeyNotFound(absl::string_view key);

// True for the operations a KeyCommand carries: Get, Set, Delete, Add,
// Replace, Increment, Decrement, GetVersioned, CompareAndSet, Touch,
// GetAndTouch, Append, Prepend.
bool IsKeyOperation(Operation operation);

// Whether running `command` twice leaves the same state (see Idempotent).
Idempotent IdempotenceOf(const KeyCommand& command);

// Appends the command; a script operation as EVALSHA, or with
// `full_script` as EVAL with its source. With `asking`, ASKING first (two
// commands, two replies).
void EncodeKeyCommand(const KeyCommand& command, bool asking, bool full_script,
                      std::string* out);

// The outcome of one operation: `status` as the synchronous method returns
// it, and when OK the value (Get, GetAndTouch, GetVersioned) or number
// (Increment's count, GetVersioned's version).
struct KeyResult {
  absl::Status status;
  std::string value;
  uint64_t number = 0;
  // The reply was of a type this command cannot produce: it may answer
  // another request, so the connection's stream is out of step.
  bool out_of_step = false;
};

// What the command's final reply asks of the caller.
enum class KeyVerdict {
  kDone,      // `*result` holds the outcome.
  kRedirect,  // MOVED or ASK: `*redirect` says where to send it again.
  kNoScript,  // The node lacks the script: send it again as EVAL.
};

// Reads the command's final reply (after ASKING's, if any) from `node`
// ("host:port"). Copies what it keeps: the reply's views end after it.
KeyVerdict ReadKeyReply(const KeyCommand& command, const Reply& reply,
                        absl::string_view node, KeyResult* result,
                        Redirect* redirect);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_KEY_COMMAND_H_
