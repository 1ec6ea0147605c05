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

namespace kivi {

// kivi.v1.KeyValue over a kivi::Client. Each RPC is the Client call of the
// same name; the Client enforces the key, value and TTL rules, and this
// layer checks what only the wire can get wrong (malformed durations). A
// Client status becomes the RPC status with the same code and message.
//
// Before anything else every RPC passes `auth` (Unauthenticated without the
// right token) and then `limits` (InvalidArgument for a batch or a value
// over its limit), so a refused call never reaches the backend.
//
// Thread-safe; `client` and `auth` must outlive the service.
class KeyValueService final : public v1::KeyValue::Service {
 public:
  KeyValueService(Client& client, const BearerTokenAuth& auth,
                  const ServerLimits& limits)
      : client_(client), auth_(auth), limits_(limits) {}

  grpc::Status Get(grpc::ServerContext* context, const v1::GetRequest* request,
                   v1::GetResponse* response) override;
  grpc::Status Set(grpc::ServerContext* context, const v1::SetRequest* request,
                   v1::SetResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const v1::DeleteRequest* request,
                      v1::DeleteResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const v1::ListRequest* request,
                    v1::ListResponse* response) override;
  grpc::Status BatchGet(grpc::ServerContext* context,
                        const v1::BatchGetRequest* request,
                        v1::BatchGetResponse* response) override;
  grpc::Status BatchSet(grpc::ServerContext* context,
                        const v1::BatchSetRequest* request,
                        v1::BatchSetResponse* response) override;
  grpc::Status BatchDelete(grpc::ServerContext* context,
                           const v1::BatchDeleteRequest* request,
                           v1::BatchDeleteResponse* response) override;
  grpc::Status Add(grpc::ServerContext* context, const v1::AddRequest* request,
                   v1::AddResponse* response) override;
  grpc::Status Replace(grpc::ServerContext* context,
                       const v1::ReplaceRequest* request,
                       v1::ReplaceResponse* response) override;
  grpc::Status Increment(grpc::ServerContext* context,
                         const v1::IncrementRequest* request,
                         v1::IncrementResponse* response) override;
  grpc::Status GetVersioned(grpc::ServerContext* context,
                            const v1::GetVersionedRequest* request,
                            v1::GetVersionedResponse* response) override;
  grpc::Status CompareAndSet(grpc::ServerContext* context,
                             const v1::CompareAndSetRequest* request,
                             v1::CompareAndSetResponse* response) override;
  grpc::Status Touch(grpc::ServerContext* context,
                     const v1::TouchRequest* request,
                     v1::TouchResponse* response) override;
  grpc::Status GetAndTouch(grpc::ServerContext* context,
                           const v1::GetAndTouchRequest* request,
                           v1::GetAndTouchResponse* response) override;
  grpc::Status Append(grpc::ServerContext* context,
                      const v1::AppendRequest* request,
                      v1::AppendResponse* response) override;
  grpc::Status Prepend(grpc::ServerContext* context,
                       const v1::PrependRequest* request,
                       v1::PrependResponse* response) override;
  grpc::Status Flush(grpc::ServerContext* context,
                     const v1::FlushRequest* request,
                     v1::FlushResponse* response) override;
  grpc::Status Stats(grpc::ServerContext* context,
                     const v1::StatsRequest* request,
                     v1::StatsResponse* response) override;
  grpc::Status Health(grpc::ServerContext* context,
                      const v1::HealthRequest* request,
                      v1::HealthResponse* response) override;
  grpc::Status Describe(grpc::ServerContext* context,
                        const v1::DescribeRequest* request,
                        v1::DescribeResponse* response) override;

 private:
  // The checks every RPC starts with, in the order the class comment gives.
  // Each returns the status that ends the call, or OK to go on.

  // The token only.
  grpc::Status Admit(const grpc::ServerContext& context) const {
    return auth_.Admit(context);
  }
  // The token, then a batch of `count` keys against max_batch_keys.
  grpc::Status AdmitBatch(const grpc::ServerContext& context,
                          absl::string_view rpc, int count) const;
  // The token, then `value` against max_value_bytes.
  grpc::Status AdmitValue(const grpc::ServerContext& context,
                          const std::string& key,
                          const std::string& value) const;
  // `value` against max_value_bytes (AdmitValue without the token).
  grpc::Status CheckValue(const std::string& key,
                          const std::string& value) const;
  // AdmitValue for a request with key(), value() and ttl(); on OK, *ttl
  // holds the decoded ttl.
  template <typename Request>
  grpc::Status AdmitWrite(const grpc::ServerContext& context,
                          const Request& request, absl::Duration* ttl) const;

  Client& client_;
  const BearerTokenAuth& auth_;
  const ServerLimits limits_;
};

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_KEY_VALUE_SERVICE_H_
