#ifndef KIVI_BACKENDS_REDIS_SRC_MUX_CALL_H_
#define KIVI_BACKENDS_REDIS_SRC_MUX_CALL_H_

// One Redis request on a node's multiplexed connections
// (net/multiplexer.h). Redis answers strictly in order and tags nothing,
// so the multiplexer's order is the only match: the reader parses exactly
// this request's replies (`count` of them; push messages skipped) into
// storage of its own, so that a reply arriving after the request gave up
// is read and dropped here, never seen by the next request. The last reply
// is interpreted in Finish, while its views into the connection's buffer
// are valid; an interpretation that finds a reply of the wrong type
// retires the connection, whose stream may be out of step.

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "backends/redis/src/node.h"
#include "backends/redis/src/replies.h"
#include "backends/redis/src/resp.h"
#include "kivi/net/multiplexer.h"

namespace kivi::redis {

class RespCall : public net::MuxRequest {
 public:
  RespCall(Node& node, absl::Time deadline, Idempotent idempotent,
           size_t count);

  // Sends `call` (its bytes() filled) without waiting; OnDone follows on a
  // thread kivi owns, or at once on this one when the node is down.
  static void Start(std::shared_ptr<RespCall> call);

  Node& node() const { return node_; }

  net::ReplyReader& reader() override { return reader_; }
  bool Finish(const absl::Status& status) final;
  // Records the outcome against the node's health, then OnDone.
  void Deliver() final;

 protected:
  // The request's last reply; its views are valid only during the call.
  // False when the reply cannot answer this request (the stream may be out
  // of step: the connection is retired).
  virtual bool OnReply(const Reply& reply) = 0;
  // Asynchronous requests: once, outside the connection's I/O, with the
  // transport's outcome (OK: OnReply ran).
  virtual void OnDone(const absl::Status& status) {}

 private:
  struct Ignore {
    void operator()(size_t, const Reply&) const {}
  };

  Node& node_;
  const Ignore ignore_{};  // Before reader_, which refers to it.
  RespReader reader_;
  absl::Status status_;
};

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_MUX_CALL_H_
