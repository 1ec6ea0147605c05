#include "backends/redis/src/mux_call.h"

#include <memory>
#include <utility>

#include "absl/time/clock.h"

namespace kivi::redis {

RespCall::RespCall(Node& node, absl::Time deadline, Idempotent idempotent,
                   size_t count)
    : net::MuxRequest(deadline, idempotent == Idempotent::kYes),
      node_(node),
      reader_(count, ignore_) {}

void RespCall::Start(std::shared_ptr<RespCall> call) {
  Node& node = call->node_;
  absl::Status admitted = node.server().Admit(absl::Now());
  if (!admitted.ok()) {
    call->OnDone(admitted);
    return;
  }
  node.mux()->Submit(std::move(call));
}

bool RespCall::Finish(const absl::Status& status) {
  status_ = status;
  if (!status.ok()) return true;
  return OnReply(reader_.last());
}

void RespCall::Deliver() {
  node_.server().Record(status_);
  OnDone(status_);
}

}  // namespace kivi::redis
