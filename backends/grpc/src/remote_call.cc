#include "src/remote_call.h"

#include <functional>
#include <utility>

#include "kivi/proto/conversions.h"

namespace kivi {
namespace {

using proto::ToProtoDuration;
using Stub = v1::KeyValue::StubInterface::async_interface;

template <typename Request, typename Response>
using AsyncMethod = void (Stub::*)(grpc::ClientContext*, const Request*,
                                   Response*,
                                   std::function<void(grpc::Status)>);

// One RPC in flight; deletes itself when gRPC reports its end.
template <typename Request, typename Response, typename Read>
struct Call {
  grpc::ClientContext context;
  Request request;
  Response response;
  AsyncDone done;
  Read read;  // (Response&, AsyncReply&): the OK reply's fields.
};

// Sends `request` with `method`; `read` fills the reply of an OK call.
template <typename Request, typename Response, typename Read>
void Start(const RemoteServer* server, AsyncMethod<Request, Response> method,
           Request request, AsyncDone& done, Read read) {
  auto* call = new Call<Request, Response, Read>{
      {}, std::move(request), {}, std::move(done), std::move(read)};
  server->Prepare(call->context, server->timeout);
  (server->stub->async()->*method)(&call->context, &call->request,
                                   &call->response,
                                   [call, server](grpc::Status status) {
                                     AsyncReply reply;
                                     reply.status = server->Result(status);
                                     if (reply.status.ok())
                                       call->read(call->response, reply);
                                     AsyncDone done = std::move(call->done);
                                     // The context's reference to the channel
                                     // goes before `done` runs: once it has,
                                     // the backend (which holds the channel)
                                     // may go, and this thread must not drop
                                     // the channel's last reference (gRPC would
                                     // then shut its callback threads down from
                                     // one of them).
                                     delete call;
                                     std::move(done)(std::move(reply));
                                   });
}

// Nothing to read beyond the status.
constexpr auto kNoReply = [](auto&, AsyncReply&) {};

template <typename Request>
Request KeyValueTtl(AsyncRequest& r) {
  Request request;
  request.set_key(std::move(r.key));
  request.set_value(std::move(r.value));
  *request.mutable_ttl() = ToProtoDuration(r.ttl);
  return request;
}

template <typename Request>
Request KeyOnly(AsyncRequest& r) {
  Request request;
  request.set_key(std::move(r.key));
  return request;
}

}  // namespace

bool StartRemoteCall(const RemoteServer* server, AsyncRequest& r,
                     AsyncDone& done) {
  switch (r.operation) {
    case Operation::kGet:
      Start(server, &Stub::Get, KeyOnly<v1::GetRequest>(r), done,
            [](v1::GetResponse& response, AsyncReply& reply) {
              reply.value = std::move(*response.mutable_value());
            });
      return true;
    case Operation::kSet:
      Start(server, &Stub::Set, KeyValueTtl<v1::SetRequest>(r), done, kNoReply);
      return true;
    case Operation::kAdd:
      Start(server, &Stub::Add, KeyValueTtl<v1::AddRequest>(r), done, kNoReply);
      return true;
    case Operation::kReplace:
      Start(server, &Stub::Replace, KeyValueTtl<v1::ReplaceRequest>(r), done,
            kNoReply);
      return true;
    case Operation::kCompareAndSet: {
      v1::CompareAndSetRequest request =
          KeyValueTtl<v1::CompareAndSetRequest>(r);
      request.set_version(r.version);
      Start(server, &Stub::CompareAndSet, std::move(request), done, kNoReply);
      return true;
    }
    case Operation::kDelete:
      Start(server, &Stub::Delete, KeyOnly<v1::DeleteRequest>(r), done,
            kNoReply);
      return true;
    case Operation::kGetVersioned:
      Start(server, &Stub::GetVersioned, KeyOnly<v1::GetVersionedRequest>(r),
            done, [](v1::GetVersionedResponse& response, AsyncReply& reply) {
              reply.value = std::move(*response.mutable_value());
              reply.number = response.version();
            });
      return true;
    case Operation::kIncrement:
    case Operation::kDecrement: {
      v1::IncrementRequest request = KeyOnly<v1::IncrementRequest>(r);
      request.set_delta(r.delta);
      request.set_initial(r.initial);
      request.set_create(r.create);
      *request.mutable_ttl() = ToProtoDuration(r.ttl);
      Start(server, &Stub::Increment, std::move(request), done,
            [](v1::IncrementResponse& response, AsyncReply& reply) {
              reply.number = response.value();
            });
      return true;
    }
    case Operation::kTouch: {
      v1::TouchRequest request = KeyOnly<v1::TouchRequest>(r);
      *request.mutable_ttl() = ToProtoDuration(r.ttl);
      Start(server, &Stub::Touch, std::move(request), done, kNoReply);
      return true;
    }
    case Operation::kGetAndTouch: {
      v1::GetAndTouchRequest request = KeyOnly<v1::GetAndTouchRequest>(r);
      *request.mutable_ttl() = ToProtoDuration(r.ttl);
      Start(server, &Stub::GetAndTouch, std::move(request), done,
            [](v1::GetAndTouchResponse& response, AsyncReply& reply) {
              reply.value = std::move(*response.mutable_value());
            });
      return true;
    }
    case Operation::kAppend:
    case Operation::kPrepend: {
      const bool append = r.operation == Operation::kAppend;
      if (append) {
        v1::AppendRequest request = KeyOnly<v1::AppendRequest>(r);
        request.set_value(std::move(r.value));
        Start(server, &Stub::Append, std::move(request), done, kNoReply);
      } else {
        v1::PrependRequest request = KeyOnly<v1::PrependRequest>(r);
        request.set_value(std::move(r.value));
        Start(server, &Stub::Prepend, std::move(request), done, kNoReply);
      }
      return true;
    }
    case Operation::kList: {
      v1::ListRequest request;
      request.set_prefix(std::move(r.key));
      Start(server, &Stub::List, std::move(request), done,
            [](v1::ListResponse& response, AsyncReply& reply) {
              reply.keys = ReadKeys(response);
            });
      return true;
    }
    case Operation::kBatchGet: {
      v1::BatchGetRequest request;
      request.mutable_keys()->Add(std::make_move_iterator(r.keys.begin()),
                                  std::make_move_iterator(r.keys.end()));
      Start(server, &Stub::BatchGet, std::move(request), done,
            [](v1::BatchGetResponse& response, AsyncReply& reply) {
              reply.batch_get = ReadBatchGet(response);
            });
      return true;
    }
    case Operation::kBatchSet: {
      v1::BatchSetRequest request;
      request.mutable_entries()->Reserve(static_cast<int>(r.entries.size()));
      for (KeyValue& entry : r.entries) {
        v1::BatchSetRequest::Entry* e = request.add_entries();
        e->set_key(std::move(entry.key));
        e->set_value(std::move(entry.value));
      }
      *request.mutable_ttl() = ToProtoDuration(r.ttl);
      Start(server, &Stub::BatchSet, std::move(request), done,
            [](v1::BatchSetResponse& response, AsyncReply& reply) {
              reply.batch_write = ReadBatchWrite(response);
            });
      return true;
    }
    case Operation::kBatchDelete: {
      v1::BatchDeleteRequest request;
      request.mutable_keys()->Add(std::make_move_iterator(r.keys.begin()),
                                  std::make_move_iterator(r.keys.end()));
      Start(server, &Stub::BatchDelete, std::move(request), done,
            [](v1::BatchDeleteResponse& response, AsyncReply& reply) {
              reply.batch_write = ReadBatchWrite(response);
            });
      return true;
    }
    default:
      return false;
  }
}

}  // namespace kivi
