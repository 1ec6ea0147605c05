#include "src/mux_call.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kivi::memcached {

MetaCall::MetaCall(MemcachedServer* server, absl::string_view key,
                   absl::Time deadline, bool idempotent, size_t replies,
                   size_t stored_bytes, Handle handle)
    : net::MuxRequest(deadline, idempotent),
      server_(server),
      key_(key),
      opaque_(absl::StrCat(server->mux()->NextRequestId())),
      stored_bytes_(stored_bytes),
      reader_(opaque_, replies),
      handle_(std::move(handle)) {}

absl::Status MetaCall::CheckOnNewConnection() {
  if (stored_bytes_ == kNoValue) return absl::OkStatus();
  return server_->item_limit().Check(server_->name(), key_, stored_bytes_);
}

bool MetaCall::Finish(const absl::Status& status) {
  if (!status.ok()) {
    result_ = status;
    return true;
  }
  for (const MetaReply& reply : reader_.replies()) {
    if (IsErrorReply(reply)) {
      result_ = ErrorReplyStatus(server_->name(), key_, reply);
      // A value that is not a number, too large or out of memory answers
      // the request itself, and memcached stays in step after it; any other
      // error is not worth trusting the stream for.
      return absl::IsFailedPrecondition(result_) ||
             absl::IsInvalidArgument(result_) ||
             absl::IsResourceExhausted(result_);
    }
  }
  result_ = handle_(reader_.replies());
  if (absl::IsInternal(result_)) {
    result_ = absl::InternalError(
        absl::StrCat("memcached ", server_->name(), ": ", result_.message()));
    return false;
  }
  return true;
}

void MetaCall::Deliver() {
  server_->Record(result_);
  if (done_ != nullptr) std::move(done_)(result_);
}

}  // namespace kivi::memcached
