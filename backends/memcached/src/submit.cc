// MemcachedBackend::Submit: the single-key operations complete natively on
// the server's multiplexed connections: the request is queued there and
// written without blocking, and its reply is read by whoever holds the
// connection's I/O (a synchronous caller waiting for its own reply, or the
// connection's reader thread). No thread per call.
//
// Increment and Decrement too (counter.cc): their second round trip, the
// rewrite of a padded result, is chained from the first reply's callback.
// The rest goes to Backend::Submit's executor: Append and Prepend (a CAS
// loop), the batches, List, Flush and Stats; so
// do single-key writes whose size check would need the server's settings
// first (a value over 1 KiB while the server's item size is not current),
// since learning them is I/O that must not run on the caller's thread.

#include <memory>
#include <utility>

#include "absl/types/optional.h"
#include "src/backend.h"
#include "src/key_ops.h"
#include "src/mux_call.h"

namespace kivi::memcached {
namespace {

absl::optional<KeyOp> NativeOp(Operation operation) {
  switch (operation) {
    case Operation::kGet:
      return KeyOp::kGet;
    case Operation::kSet:
      return KeyOp::kSet;
    case Operation::kAdd:
      return KeyOp::kAdd;
    case Operation::kReplace:
      return KeyOp::kReplace;
    case Operation::kCompareAndSet:
      return KeyOp::kCompareAndSet;
    case Operation::kDelete:
      return KeyOp::kDelete;
    case Operation::kTouch:
      return KeyOp::kTouch;
    case Operation::kGetAndTouch:
      return KeyOp::kGetAndTouch;
    case Operation::kGetVersioned:
      return KeyOp::kGetVersioned;
    default:
      return absl::nullopt;
  }
}

// One asynchronous call's arguments and result, kept until it is delivered.
struct AsyncKeyCall {
  AsyncRequest request;
  AsyncDone done;
  KeyOpArgs args;  // Views into `request`.
  KeyOpResult result;
};

}  // namespace

void MemcachedBackend::Submit(AsyncRequest request, AsyncDone done,
                              Executor& executor) {
  const absl::optional<KeyOp> op = NativeOp(request.operation);
  const bool counter = request.operation == Operation::kIncrement ||
                       request.operation == Operation::kDecrement;
  if ((!op.has_value() && !counter) || options_.mux_conns == 0) {
    Backend::Submit(std::move(request), std::move(done), executor);
    return;
  }
  const absl::Time now = absl::Now();
  absl::StatusOr<Server*> owner = ServerFor(request.key, now);
  if (!owner.ok()) {
    AsyncReply reply;
    reply.status = owner.status();
    std::move(done)(std::move(reply));
    return;
  }
  Server* server = *owner;
  if (counter) {
    SubmitIncrement(server, std::move(request), std::move(done), now);
    return;
  }
  auto state = std::make_shared<AsyncKeyCall>();
  state->request = std::move(request);
  const AsyncRequest& r = state->request;
  state->args = KeyOpArgs{.op = *op,
                          .key = r.key,
                          .value = r.value,
                          .ttl = r.ttl,
                          .version = r.version};
  const size_t stored = KeyOpStoredBytes(state->args);
  const ItemLimit& limit = server->item_limit();
  const bool fits_known =
      stored == MetaCall::kNoValue ||
      ItemLimit::FitsEveryServer(r.key, stored) ||
      (limit.current() && limit.Check(server->name(), r.key, stored).ok());
  if (!fits_known) {
    Backend::Submit(std::move(state->request), std::move(done), executor);
    return;
  }
  state->done = std::move(done);
  auto call = std::make_shared<MetaCall>(
      server, r.key, now + options_.timeout, KeyOpIdempotent(state->args), 1,
      stored, [state](absl::Span<const MetaReply> replies) {
        return ReadKeyOp(state->args, replies[0], &state->result);
      });
  EncodeKeyOp(state->args, now, call->opaque(), call->bytes());
  call->set_done([state](absl::Status status) {
    AsyncReply reply;
    reply.status = std::move(status);
    reply.value = std::move(state->result.value);
    reply.number = state->result.version;
    std::move(state->done)(std::move(reply));
  });
  server->mux()->Submit(std::move(call));
}

}  // namespace kivi::memcached
