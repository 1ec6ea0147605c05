#ifndef KIVI_BACKENDS_MEMCACHED_SRC_REPLIES_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_REPLIES_H_

// Reply readers shared by the operations, and the mapping from memcached's
// error replies to absl::Status.

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kivi/net/connection.h"
#include "src/protocol.h"

namespace kivi::memcached {

// The largest value block a reader accepts: memcached's own ceiling for
// -I. Bounds what a misbehaving server can make us buffer; values larger
// than max_value_bytes written by other clients still read fine.
inline constexpr size_t kMaxReplyValueBytes = size_t{1} << 30;

// Reads exactly one meta reply. Its views point into the connection's read
// buffer: use them before the connection runs another exchange or goes back
// to the pool.
class MetaReplyReader : public net::ReplyReader {
 public:
  // With a non-empty `opaque` (the request's O flag), a reply that is not
  // an error line must echo it: anything else answers some other request,
  // and the stream is out of step (malformed).
  explicit MetaReplyReader(absl::string_view opaque = absl::string_view())
      : opaque_(opaque) {}

  absl::StatusOr<bool> Consume(absl::string_view in, size_t* consumed) override;
  const MetaReply& reply() const { return reply_; }

 private:
  absl::string_view opaque_;
  MetaReply reply_;
};

// Reads exactly one classic reply item (e.g. VERSION, OK).
class TextReplyReader : public net::ReplyReader {
 public:
  absl::StatusOr<bool> Consume(absl::string_view in, size_t* consumed) override;
  const TextReply& reply() const { return reply_; }

 private:
  TextReply reply_;
};

// Fast paths for the replies nearly every request gets, each parsing one
// exact form in a fraction of the general parser's instructions:
//   meta: "<code>[ <size>][ O<digits>]\r\n" with code HD, EN, NF, NS, EX,
//         or VA followed by its size and data block;
//   text: "VALUE <key> <flags> <bytes>\r\n" and its data block, or "END\r\n".
// What they accept, ParseMetaReply / ParseTextReply accept too, with the
// same reply and ParseResult (kComplete, or kIncomplete while a data block
// is arriving). They return false for anything else (error lines, other
// flags or fields, extra spaces, incomplete lines, oversized values): the
// caller then runs the general parser.
bool ParseCommonMetaReply(absl::string_view in, size_t max_value_bytes,
                          MetaReply* out, ParseResult* result);
bool ParseCommonTextReply(absl::string_view in, size_t max_value_bytes,
                          TextReply* out, ParseResult* result);

// True for ERROR / CLIENT_ERROR / SERVER_ERROR meta replies.
bool IsErrorReply(const MetaReply& reply);

// The status for an error reply to a request about `key` (empty for
// server-wide commands):
//   SERVER_ERROR ... too large ...  -> InvalidArgument (value too large)
//   SERVER_ERROR out of memory ...  -> ResourceExhausted
//   CLIENT_ERROR ... non-numeric ... -> FailedPrecondition (not a number)
//   CLIENT_ERROR unauthenticated     -> Unauthenticated
//   anything else                    -> Internal with the server's text.
absl::Status ErrorReplyStatus(absl::string_view server, absl::string_view key,
                              absl::string_view code,
                              absl::string_view message);
absl::Status ErrorReplyStatus(absl::string_view server, absl::string_view key,
                              const MetaReply& reply);

// Internal: a reply code the request cannot produce. The message does not
// name the server; the caller prefixes it.
absl::Status UnexpectedReply(absl::string_view key, const MetaReply& reply);

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_REPLIES_H_
