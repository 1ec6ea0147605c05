#ifndef KIVI_BACKENDS_GRPC_SRC_REMOTE_CALL_H_
#define KIVI_BACKENDS_GRPC_SRC_REMOTE_CALL_H_

// What every RPC of the grpc:// backend shares, synchronous or not: the
// deadline, the token, how transport failures name the server, and how
// kivi.v1 replies become kivi results.

#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kivi/async.h"
#include "kivi/proto/status_mapping.h"
#include "kivi/results.h"
#include "kivi/v1/kv.grpc.pb.h"

namespace kivi {

// The calls to one kivi-server. Immutable; shared by every call.
struct RemoteServer {
  std::unique_ptr<v1::KeyValue::Stub> stub;
  std::string target;      // "host:port", for messages.
  absl::Duration timeout;  // Every call's deadline.
  std::string token;       // Empty: none.

  // Sets `context`'s deadline (now + `timeout`) and token.
  void Prepare(grpc::ClientContext& context, absl::Duration timeout) const {
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!token.empty()) {
      context.AddMetadata("authorization", "Bearer " + token);
    }
  }

  // Names the server in failures of the hop to it: a remote store's own
  // failures already name that store, but gRPC's "Deadline Exceeded" or
  // "failed to connect" would not say where. Other statuses are the remote
  // client's, passed on unchanged.
  absl::Status Annotate(absl::Status status) const {
    if (!absl::IsUnavailable(status) && !absl::IsDeadlineExceeded(status)) {
      return status;
    }
    return absl::Status(status.code(), absl::StrCat("kivi-server ", target,
                                                    ": ", status.message()));
  }

  // A finished RPC's status as the Backend returns it.
  absl::Status Result(const grpc::Status& status) const {
    return Annotate(proto::FromGrpcStatus(status));
  }
};

// kivi.v1 replies as kivi results.
inline void ReadFailures(
    const google::protobuf::RepeatedPtrField<v1::KeyFailure>& failures,
    absl::flat_hash_map<std::string, absl::Status>* out) {
  for (const v1::KeyFailure& failure : failures) {
    (*out)[failure.key()] = proto::FromProtoStatus(failure.status());
  }
}
inline BatchGetResult ReadBatchGet(v1::BatchGetResponse& response) {
  BatchGetResult result;
  for (v1::BatchGetResponse::Hit& hit : *response.mutable_found()) {
    result.found[hit.key()] = std::move(*hit.mutable_value());
  }
  ReadFailures(response.failed(), &result.failed);
  return result;
}
template <typename Response>
BatchWriteResult ReadBatchWrite(const Response& response) {
  BatchWriteResult result;
  ReadFailures(response.failed(), &result.failed);
  return result;
}
inline std::vector<std::string> ReadKeys(v1::ListResponse& response) {
  return std::vector<std::string>(
      std::make_move_iterator(response.mutable_keys()->begin()),
      std::make_move_iterator(response.mutable_keys()->end()));
}

// Starts `request` as one RPC on the stub's callback API, with the same
// deadline, token and statuses as a synchronous call, and calls `done`
// from gRPC's thread when it ends. Each call owns its context, request and
// response until then, so nothing is shared between calls in flight.
// False, with `request` and `done` untouched, for the operations it does
// not send this way (Flush, Stats: rare administrative calls, left to
// Backend::Submit's default).
//
// `server` must outlive the call until `done` is called (a Client must not
// be destroyed with calls in flight), and is not owned by it: were a call
// to own the channel, the last reference could go on gRPC's callback
// thread, and gRPC 1.51 then shuts its callback queue down from that very
// thread and crashes (grpc/grpc#32584).
bool StartRemoteCall(const RemoteServer* server, AsyncRequest& request,
                     AsyncDone& done);

}  // namespace kivi

#endif  // KIVI_BACKENDS_GRPC_SRC_REMOTE_CALL_H_
