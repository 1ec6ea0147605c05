#ifndef KIVI_SERVER_SRC_UNARY_REPLY_H_
#define KIVI_SERVER_SRC_UNARY_REPLY_H_

// How kivi-server answers a unary call on gRPC's callback API: the handler
// starts a Client *Async call and returns at once; the Client's callback,
// on whatever thread completes the call, writes the response and finishes
// the call. So a call waiting on a slow store holds no server thread.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "kivi/proto/status_mapping.h"
#include "kivi/v1/kv.grpc.pb.h"

namespace kivi {

// The raw request of a call parsed as `Request` through kivi.v1's traits
// (kivi/v1/request_parsing.h): a malformed one is InvalidArgument naming
// the message type and its size.
template <typename Request>
grpc::Status ParseRequest(const grpc::ByteBuffer& raw, Request* request) {
  grpc::ByteBuffer copy(raw);  // Shares the slices; Deserialize consumes it.
  return grpc::SerializationTraits<Request>::Deserialize(&copy, request);
}

// The answer to one call in flight: the reactor that finishes it and the
// buffer its serialized response goes to, both owned by gRPC until the
// call finishes. A small handle to copy into callbacks; exactly one Fail
// or Send must be made per call, from any thread.
template <typename Response>
class Reply {
 public:
  Reply(grpc::ServerUnaryReactor* reactor, grpc::ByteBuffer* out)
      : reactor_(reactor), out_(out) {}

  // Ends the call with `status`, which is not OK.
  void Fail(const grpc::Status& status) const { reactor_->Finish(status); }

  // Ends the call with OK and `response`.
  void Send(const Response& response) const {
    bool own_buffer = false;
    reactor_->Finish(grpc::SerializationTraits<Response>::Serialize(
        response, out_, &own_buffer));
  }

  // A Client *Async callback that ends the call: a failed result with its
  // status (proto::ToGrpcStatus, code and message kept); an OK
  // absl::Status with an empty Response; an OK absl::StatusOr<T> with the
  // Response that `fill(T&&, Response&)` writes.
  template <typename Fill>
  auto Then(Fill fill) const {
    return Finisher<Fill>{*this, std::move(fill)};
  }
  auto Then() const { return Then(NoFill()); }

 private:
  struct NoFill {};

  template <typename Fill>
  struct Finisher {
    void operator()(absl::Status status) && {
      if (!status.ok()) return reply.Fail(proto::ToGrpcStatus(status));
      reply.Send(Response());
    }
    template <typename T>
    void operator()(absl::StatusOr<T> result) && {
      if (!result.ok()) return reply.Fail(proto::ToGrpcStatus(result.status()));
      Response response;
      fill(*std::move(result), response);
      reply.Send(response);
    }

    Reply reply;
    Fill fill;
  };

  grpc::ServerUnaryReactor* reactor_;
  grpc::ByteBuffer* out_;
};

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_UNARY_REPLY_H_
