#ifndef KIVI_BACKENDS_REDIS_SRC_REPLIES_H_
#define KIVI_BACKENDS_REDIS_SRC_REPLIES_H_

// Reading RESP replies off a kivi::net connection, and what error replies
// mean to kivi.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/redis/src/resp.h"
#include "kivi/net/connection.h"

namespace kivi::redis {

// Reads the replies to `count` pipelined commands and hands each, in order,
// to `on_reply(index, reply)`. Push messages (out-of-band data such as
// invalidations) are skipped: they answer no command. The reply's views
// are valid only during the call, so the handler copies what it keeps.
// A malformed stream is an error that breaks the connection.
class RespReader : public net::ReplyReader {
 public:
  using Handler = absl::FunctionRef<void(size_t index, const Reply& reply)>;

  RespReader(size_t count, Handler on_reply)
      : count_(count), on_reply_(on_reply) {}

  absl::StatusOr<bool> Consume(absl::string_view in, size_t* consumed) override;

  // Replies handed out so far.
  size_t done() const { return next_; }
  // Once done: the last reply, whose views are valid while the buffer
  // Consume was given is unchanged.
  const Reply& last() const { return reply_; }

 private:
  const size_t count_;
  Handler on_reply_;
  size_t next_ = 0;
  Reply reply_;  // Reused, so that its element vector keeps its capacity.
};

// A cluster redirection: "MOVED <slot> <host:port>" or "ASK <slot>
// <host:port>".
struct Redirect {
  bool ask = false;
  std::string target;  // "host:port" as the server wrote it.
};

// True, filling `*redirect`, when `reply` is a MOVED or ASK error.
bool ParseRedirect(const Reply& reply, Redirect* redirect);

// The status for an error reply that the operation did not expect, naming
// the key and the node: WRONGTYPE (the key holds no string) is
// FailedPrecondition; NOAUTH/WRONGPASS/NOPERM Unauthenticated or
// PermissionDenied; LOADING, BUSY, MASTERDOWN, CLUSTERDOWN, TRYAGAIN and
// READONLY Unavailable (the node cannot serve now); anything else
// Internal with the server's text.
absl::Status ErrorReplyStatus(const Reply& reply, absl::string_view key,
                              absl::string_view peer);

// The status for a reply of an unexpected type (a protocol surprise).
absl::Status UnexpectedReply(const Reply& reply, absl::string_view what,
                             absl::string_view peer);

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_REPLIES_H_
