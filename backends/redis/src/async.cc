// RedisBackend::Submit: single-key operations complete on the nodes'
// multiplexed connections without a thread per call; redirections (MOVED,
// ASK) and NOSCRIPT are followed from the completions. The rest runs on the
// client's executor (Backend::Submit's default).

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/redis/src/backend.h"
#include "backends/redis/src/key_command.h"
#include "backends/redis/src/mux_call.h"
#include "backends/redis/src/replies.h"

namespace kivi::redis {
namespace {

// One asynchronous single-key call: its owned arguments and where it
// stands. Shared by the attempt in flight (whose reader may outlive the
// call's completion when it timed out) and the completion.
struct KeyCall {
  AsyncRequest request;
  KeyCommand command;  // Views into `request`.
  AsyncDone done;
  absl::Time deadline;
  Topology* topology = nullptr;
  Node* node = nullptr;
  bool asking = false;
  bool full_script = false;
  int hops = 0;
};

// One send of a call to one node: keeps what its final reply (after
// ASKING's, if any) means. A reply that comes after the call's deadline is
// read by the attempt's reader and dropped (see RespCall).
class KeyAttempt : public RespCall {
 public:
  explicit KeyAttempt(std::shared_ptr<KeyCall> call)
      : RespCall(*call->node, call->deadline, IdempotenceOf(call->command),
                 call->asking ? 2 : 1),
        call_(std::move(call)) {}

 protected:
  bool OnReply(const Reply& reply) override {
    verdict_ = ReadKeyReply(call_->command, reply, node().name(), &result_,
                            &redirect_);
    return !result_.out_of_step;
  }
  void OnDone(const absl::Status& status) override;

 private:
  std::shared_ptr<KeyCall> call_;
  KeyVerdict verdict_ = KeyVerdict::kDone;
  KeyResult result_;
  Redirect redirect_;
};

void Complete(KeyCall& call, KeyResult result) {
  AsyncReply reply;
  reply.status = std::move(result.status);
  reply.value = std::move(result.value);
  reply.number = result.number;
  std::move(call.done)(std::move(reply));
}

void Fail(KeyCall& call, absl::Status status) {
  KeyResult result;
  result.status = std::move(status);
  Complete(call, std::move(result));
}

void Send(std::shared_ptr<KeyCall> call) {
  auto attempt = std::make_shared<KeyAttempt>(call);
  EncodeKeyCommand(call->command, call->asking, call->full_script,
                   attempt->bytes());
  RespCall::Start(std::move(attempt));
}

// The attempt's outcome: the call's result, or the next attempt.
void KeyAttempt::OnDone(const absl::Status& status) {
  // The call leaves the attempt, which the multiplexer may keep to read a
  // late reply.
  std::shared_ptr<KeyCall> call = std::move(call_);
  if (!status.ok()) {
    Fail(*call, status);
    return;
  }
  switch (verdict_) {
    case KeyVerdict::kDone:
      Complete(*call, std::move(result_));
      return;
    case KeyVerdict::kNoScript:
      // A NOSCRIPT reply ran nothing: sending the source is safe.
      if (call->full_script) {
        Fail(*call,
             absl::InternalError(absl::StrCat("redis ", node().name(),
                                              ": NOSCRIPT in reply to EVAL")));
        return;
      }
      call->full_script = true;
      break;
    case KeyVerdict::kRedirect: {
      if (++call->hops > kMaxRedirects) {
        Fail(*call, TooManyRedirects(call->command.key));
        return;
      }
      absl::StatusOr<Node*> next = call->topology->NodeAt(redirect_.target);
      if (!next.ok()) {
        Fail(*call, next.status());
        return;
      }
      if ((*next)->mux() == nullptr) {
        Fail(*call, absl::InternalError("redis: redirected to a node without "
                                        "multiplexed connections"));
        return;
      }
      call->node = *next;
      call->asking = redirect_.ask;
      if (!call->asking) call->topology->RefreshSoon();
      break;
    }
  }
  Send(std::move(call));
}

}  // namespace

void RedisBackend::Submit(AsyncRequest request, AsyncDone done,
                          Executor& executor) {
  if (!IsKeyOperation(request.operation)) {
    Backend::Submit(std::move(request), std::move(done), executor);
    return;
  }
  // A cluster whose slot map is not loaded yet loads it with blocking I/O:
  // that first call runs on the executor, as every call does without
  // multiplexed connections (mux_conns=0).
  Node* node = topology_->KnownNodeFor(request.key);
  if (node == nullptr || node->mux() == nullptr) {
    Backend::Submit(std::move(request), std::move(done), executor);
    return;
  }
  auto call = std::make_shared<KeyCall>();
  call->request = std::move(request);
  const AsyncRequest& r = call->request;
  call->command = KeyCommand{.operation = r.operation,
                             .key = r.key,
                             .value = r.value,
                             .ttl = r.ttl,
                             .delta = r.delta,
                             .initial = r.initial,
                             .create = r.create,
                             .version = r.version,
                             .max_value_bytes = options_.max_value_bytes};
  call->done = std::move(done);
  call->deadline = Deadline();
  call->topology = topology_.get();
  call->node = node;
  Send(std::move(call));
}

}  // namespace kivi::redis
