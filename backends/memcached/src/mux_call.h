#ifndef KIVI_BACKENDS_MEMCACHED_SRC_MUX_CALL_H_
#define KIVI_BACKENDS_MEMCACHED_SRC_MUX_CALL_H_

// One memcached request on a server's multiplexed connections
// (net/multiplexer.h): a meta request of one or two commands, each tagged
// with the request's opaque (O flag). Every reply that is not an error line
// must echo it; a reply with another opaque answers some other request, so
// the stream is out of step and the connection is retired
// (MetaReplyReader).

#include <cstddef>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kivi/net/multiplexer.h"
#include "src/memcached_server.h"
#include "src/protocol.h"
#include "src/replies.h"

namespace kivi::memcached {

class MetaCall : public net::MuxRequest {
 public:
  // Interprets the replies, none of them an error line; their views are
  // valid only during the call. Internal: a reply the request cannot
  // produce (the connection is then retired).
  using Handle = absl::AnyInvocable<absl::Status(absl::Span<const MetaReply>)>;
  // Called once with the result, for an asynchronous call (Deliver).
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // A request about `key` on `server` (which must have a multiplexer),
  // of `replies` (1 or 2) commands; `stored_bytes` of value it stores
  // (kNoValue: none), checked against the item size learnt on a new
  // connection before it is first sent there.
  static constexpr size_t kNoValue = SIZE_MAX;
  MetaCall(MemcachedServer* server, absl::string_view key, absl::Time deadline,
           bool idempotent, size_t replies, size_t stored_bytes, Handle handle);

  // The request's O flag value, for encoding into bytes().
  absl::string_view opaque() const { return opaque_; }
  // The outcome once Finish ran: the transport's failure, the mapped error
  // reply, or what Handle returned.
  const absl::Status& result() const { return result_; }
  void set_done(Done done) { done_ = std::move(done); }

  net::ReplyReader& reader() override { return reader_; }
  absl::Status CheckOnNewConnection() override;
  bool Finish(const absl::Status& status) override;
  // Records the outcome against the server's health and calls done.
  void Deliver() override;

 private:
  MemcachedServer* const server_;
  const std::string key_;
  const std::string opaque_;
  const size_t stored_bytes_;
  MetaReplyReader reader_;
  Handle handle_;
  Done done_;
  absl::Status result_;
};

}  // namespace kivi::memcached

#endif  // KIVI_BACKENDS_MEMCACHED_SRC_MUX_CALL_H_
