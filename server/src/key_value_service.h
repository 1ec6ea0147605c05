#ifndef KIVI_SERVER_SRC_KEY_VALUE_SERVICE_H_
#define KIVI_SERVER_SRC_KEY_VALUE_SERVICE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "kivi/client.h"
#include "kivi/server/server.h"
#include "kivi/v1/kv.grpc.pb.h"
#include "src/bearer_token_auth.h"
#include "src/shared_health_probe.h"
#include "src/unary_reply.h"

namespace kivi {

// kivi.v1.KeyValue over a kivi::Client, on gRPC's callback API. Each RPC is
// the Client *Async call of the same name; the Client enforces the key,
// value and TTL rules, and this layer checks what only the wire can get
// wrong (malformed messages and durations). A Client status becomes the RPC
// status with the same code and message.
//
// No call holds a server thread while the store works on it: a handler
// starts the Client call and returns, and the Client's callback finishes
// the call (unary_reply.h). The methods are registered raw (the request
// arrives as bytes) and parsed here through kivi.v1's request traits, so a
// malformed request is InvalidArgument naming its type: gRPC's typed
// callback handlers would answer it with an empty UNIMPLEMENTED.
//
// Before anything else every RPC passes `auth` (Unauthenticated without the
// right token) and then `limits` (InvalidArgument for a batch or a value
// over its limit), so a refused call never reaches the backend.
//
// Thread-safe; `client` and `auth` must outlive the service.
class KeyValueService final : public grpc::Service {
 public:
  KeyValueService(Client& client, const BearerTokenAuth& auth,
                  const ServerLimits& limits);

 private:
  template <typename Request, typename Response>
  using Handler = void (KeyValueService::*)(const grpc::CallbackServerContext&,
                                            const Request&, Reply<Response>);

  // Registers `handler` as the RPC "/kivi.v1.KeyValue/<name>"; `name` must
  // outlive the service (a literal).
  template <typename Request, typename Response>
  void Serve(const char* name, Handler<Request, Response> handler);

  // One per RPC, started with the parsed request; each ends its call
  // through `reply`, now or later.
  void Get(const grpc::CallbackServerContext& context,
           const v1::GetRequest& request, Reply<v1::GetResponse> reply);
  void Set(const grpc::CallbackServerContext& context,
           const v1::SetRequest& request, Reply<v1::SetResponse> reply);
  void Delete(const grpc::CallbackServerContext& context,
              const v1::DeleteRequest& request,
              Reply<v1::DeleteResponse> reply);
  void List(const grpc::CallbackServerContext& context,
            const v1::ListRequest& request, Reply<v1::ListResponse> reply);
  void BatchGet(const grpc::CallbackServerContext& context,
                const v1::BatchGetRequest& request,
                Reply<v1::BatchGetResponse> reply);
  void BatchSet(const grpc::CallbackServerContext& context,
                const v1::BatchSetRequest& request,
                Reply<v1::BatchSetResponse> reply);
  void BatchDelete(const grpc::CallbackServerContext& context,
                   const v1::BatchDeleteRequest& request,
                   Reply<v1::BatchDeleteResponse> reply);
  void Add(const grpc::CallbackServerContext& context,
           const v1::AddRequest& request, Reply<v1::AddResponse> reply);
  void Replace(const grpc::CallbackServerContext& context,
               const v1::ReplaceRequest& request,
               Reply<v1::ReplaceResponse> reply);
  void Increment(const grpc::CallbackServerContext& context,
                 const v1::IncrementRequest& request,
                 Reply<v1::IncrementResponse> reply);
  void GetVersioned(const grpc::CallbackServerContext& context,
                    const v1::GetVersionedRequest& request,
                    Reply<v1::GetVersionedResponse> reply);
  void CompareAndSet(const grpc::CallbackServerContext& context,
                     const v1::CompareAndSetRequest& request,
                     Reply<v1::CompareAndSetResponse> reply);
  void Touch(const grpc::CallbackServerContext& context,
             const v1::TouchRequest& request, Reply<v1::TouchResponse> reply);
  void GetAndTouch(const grpc::CallbackServerContext& context,
                   const v1::GetAndTouchRequest& request,
                   Reply<v1::GetAndTouchResponse> reply);
  void Append(const grpc::CallbackServerContext& context,
              const v1::AppendRequest& request,
              Reply<v1::AppendResponse> reply);
  void Prepend(const grpc::CallbackServerContext& context,
               const v1::PrependRequest& request,
               Reply<v1::PrependResponse> reply);
  void Flush(const grpc::CallbackServerContext& context,
             const v1::FlushRequest& request, Reply<v1::FlushResponse> reply);
  void Stats(const grpc::CallbackServerContext& context,
             const v1::StatsRequest& request, Reply<v1::StatsResponse> reply);
  void Health(const grpc::CallbackServerContext& context,
              const v1::HealthRequest& request,
              Reply<v1::HealthResponse> reply);
  void Describe(const grpc::CallbackServerContext& context,
                const v1::DescribeRequest& request,
                Reply<v1::DescribeResponse> reply);

  // The checks every RPC starts with, in the order the class comment gives.
  // Each returns the status that ends the call, or OK to go on.

  // The token only.
  grpc::Status Admit(const grpc::CallbackServerContext& context) const {
    return auth_.Admit(context);
  }
  // The token, then a batch of `count` keys against max_batch_keys.
  grpc::Status AdmitBatch(const grpc::CallbackServerContext& context,
                          absl::string_view rpc, int count) const;
  // The token, then `value` against max_value_bytes.
  grpc::Status AdmitValue(const grpc::CallbackServerContext& context,
                          const std::string& key,
                          const std::string& value) const;
  // `value` against max_value_bytes (AdmitValue without the token).
  grpc::Status CheckValue(const std::string& key,
                          const std::string& value) const;
  // AdmitValue for a request with key(), value() and ttl(); on OK, *ttl
  // holds the decoded ttl.
  template <typename Request>
  grpc::Status AdmitWrite(const grpc::CallbackServerContext& context,
                          const Request& request, absl::Duration* ttl) const;

  Client& client_;
  const BearerTokenAuth& auth_;
  const ServerLimits limits_;
  SharedHealthProbe health_;
  int methods_ = 0;  // Registered so far.
};

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_KEY_VALUE_SERVICE_H_
