#include "src/key_value_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "kivi/proto/conversions.h"
#include "kivi/proto/status_mapping.h"

namespace kivi {
namespace {

using proto::FromProtoDuration;
using proto::ToGrpcStatus;

// Client::Health's own default, for a request that leaves the timeout out.
constexpr absl::Duration kDefaultHealthTimeout = absl::Seconds(1);

std::vector<std::string> ToVector(
    const google::protobuf::RepeatedPtrField<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

void AddFailures(const absl::flat_hash_map<std::string, absl::Status>& failed,
                 google::protobuf::RepeatedPtrField<v1::KeyFailure>* out) {
  out->Reserve(static_cast<int>(failed.size()));
  for (const auto& [key, status] : failed) {
    v1::KeyFailure* failure = out->Add();
    failure->set_key(key);
    *failure->mutable_status() = proto::ToProtoStatus(status);
  }
}

}  // namespace

KeyValueService::KeyValueService(Client& client, const BearerTokenAuth& auth,
                                 const ServerLimits& limits)
    : client_(client), auth_(auth), limits_(limits), health_(client) {
  Serve("/kivi.v1.KeyValue/Get", &KeyValueService::Get);
  Serve("/kivi.v1.KeyValue/Set", &KeyValueService::Set);
  Serve("/kivi.v1.KeyValue/Delete", &KeyValueService::Delete);
  Serve("/kivi.v1.KeyValue/List", &KeyValueService::List);
  Serve("/kivi.v1.KeyValue/BatchGet", &KeyValueService::BatchGet);
  Serve("/kivi.v1.KeyValue/BatchSet", &KeyValueService::BatchSet);
  Serve("/kivi.v1.KeyValue/BatchDelete", &KeyValueService::BatchDelete);
  Serve("/kivi.v1.KeyValue/Add", &KeyValueService::Add);
  Serve("/kivi.v1.KeyValue/Replace", &KeyValueService::Replace);
  Serve("/kivi.v1.KeyValue/Increment", &KeyValueService::Increment);
  Serve("/kivi.v1.KeyValue/GetVersioned", &KeyValueService::GetVersioned);
  Serve("/kivi.v1.KeyValue/CompareAndSet", &KeyValueService::CompareAndSet);
  Serve("/kivi.v1.KeyValue/Touch", &KeyValueService::Touch);
  Serve("/kivi.v1.KeyValue/GetAndTouch", &KeyValueService::GetAndTouch);
  Serve("/kivi.v1.KeyValue/Append", &KeyValueService::Append);
  Serve("/kivi.v1.KeyValue/Prepend", &KeyValueService::Prepend);
  Serve("/kivi.v1.KeyValue/Flush", &KeyValueService::Flush);
  Serve("/kivi.v1.KeyValue/Stats", &KeyValueService::Stats);
  Serve("/kivi.v1.KeyValue/Health", &KeyValueService::Health);
  Serve("/kivi.v1.KeyValue/Describe", &KeyValueService::Describe);
}

template <typename Request, typename Response>
void KeyValueService::Serve(const char* name,
                            Handler<Request, Response> handler) {
  AddMethod(new grpc::internal::RpcServiceMethod(
      name, grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
  MarkMethodRawCallback(
      methods_++,
      new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                               grpc::ByteBuffer>(
          [this, handler](grpc::CallbackServerContext* context,
                          const grpc::ByteBuffer* raw, grpc::ByteBuffer* out) {
            grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
            const Reply<Response> reply(reactor, out);
            Request request;
            if (grpc::Status parsed = ParseRequest(*raw, &request);
                !parsed.ok()) {
              reply.Fail(parsed);
            } else {
              (this->*handler)(*context, request, reply);
            }
            return reactor;
          }));
}

grpc::Status KeyValueService::AdmitBatch(
    const grpc::CallbackServerContext& context, absl::string_view rpc,
    int count) const {
  if (grpc::Status denied = Admit(context); !denied.ok()) return denied;
  if (static_cast<size_t>(count) <= limits_.max_batch_keys) {
    return grpc::Status::OK;
  }
  return grpc::Status(
      grpc::StatusCode::INVALID_ARGUMENT,
      absl::StrCat(rpc, " of ", count, " keys exceeds kivi-server's limit of ",
                   limits_.max_batch_keys,
                   " keys per batch (max_batch_keys); split the batch"));
}

grpc::Status KeyValueService::AdmitValue(
    const grpc::CallbackServerContext& context, const std::string& key,
    const std::string& value) const {
  if (grpc::Status denied = Admit(context); !denied.ok()) return denied;
  return CheckValue(key, value);
}

grpc::Status KeyValueService::CheckValue(const std::string& key,
                                         const std::string& value) const {
  if (value.size() <= limits_.max_value_bytes) return grpc::Status::OK;
  return grpc::Status(
      grpc::StatusCode::INVALID_ARGUMENT,
      absl::StrCat("value for key \"", absl::CHexEscape(key), "\" is ",
                   value.size(), " bytes, over kivi-server's limit of ",
                   limits_.max_value_bytes, " bytes (max_value_bytes)"));
}

template <typename Request>
grpc::Status KeyValueService::AdmitWrite(
    const grpc::CallbackServerContext& context, const Request& request,
    absl::Duration* ttl) const {
  if (grpc::Status refused =
          AdmitValue(context, request.key(), request.value());
      !refused.ok()) {
    return refused;
  }
  absl::StatusOr<absl::Duration> decoded =
      FromProtoDuration(request.ttl(), "ttl");
  if (!decoded.ok()) return ToGrpcStatus(decoded.status());
  *ttl = *decoded;
  return grpc::Status::OK;
}

void KeyValueService::Get(const grpc::CallbackServerContext& context,
                          const v1::GetRequest& request,
                          Reply<v1::GetResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  client_.GetAsync(request.key(),
                   reply.Then([](std::string value, v1::GetResponse& out) {
                     out.set_value(std::move(value));
                   }));
}

void KeyValueService::Set(const grpc::CallbackServerContext& context,
                          const v1::SetRequest& request,
                          Reply<v1::SetResponse> reply) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(context, request, &ttl);
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.SetAsync(request.key(), request.value(), {.ttl = ttl}, reply.Then());
}

void KeyValueService::Delete(const grpc::CallbackServerContext& context,
                             const v1::DeleteRequest& request,
                             Reply<v1::DeleteResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  client_.DeleteAsync(request.key(), reply.Then());
}

void KeyValueService::List(const grpc::CallbackServerContext& context,
                           const v1::ListRequest& request,
                           Reply<v1::ListResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  client_.ListAsync(
      request.prefix(),
      reply.Then([](std::vector<std::string> keys, v1::ListResponse& out) {
        out.mutable_keys()->Reserve(static_cast<int>(keys.size()));
        for (std::string& key : keys) out.add_keys(std::move(key));
      }));
}

void KeyValueService::BatchGet(const grpc::CallbackServerContext& context,
                               const v1::BatchGetRequest& request,
                               Reply<v1::BatchGetResponse> reply) {
  if (grpc::Status refused =
          AdmitBatch(context, "BatchGet", request.keys_size());
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.BatchGetAsync(
      ToVector(request.keys()),
      reply.Then([](BatchGetResult result, v1::BatchGetResponse& out) {
        out.mutable_found()->Reserve(static_cast<int>(result.found.size()));
        for (auto& [key, value] : result.found) {
          v1::BatchGetResponse::Hit* hit = out.add_found();
          hit->set_key(key);
          hit->set_value(std::move(value));
        }
        AddFailures(result.failed, out.mutable_failed());
      }));
}

void KeyValueService::BatchSet(const grpc::CallbackServerContext& context,
                               const v1::BatchSetRequest& request,
                               Reply<v1::BatchSetResponse> reply) {
  if (grpc::Status refused =
          AdmitBatch(context, "BatchSet", request.entries_size());
      !refused.ok()) {
    return reply.Fail(refused);
  }
  for (int i = 0; i < request.entries_size(); ++i) {
    const v1::BatchSetRequest::Entry& entry = request.entries(i);
    if (grpc::Status over = CheckValue(entry.key(), entry.value());
        !over.ok()) {
      return reply.Fail(grpc::Status(
          over.error_code(),
          absl::StrCat("entries[", i, "]: ", over.error_message())));
    }
  }
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request.ttl(), "ttl");
  if (!ttl.ok()) return reply.Fail(ToGrpcStatus(ttl.status()));
  std::vector<KeyValue> entries;
  entries.reserve(request.entries_size());
  for (const v1::BatchSetRequest::Entry& entry : request.entries()) {
    entries.push_back({entry.key(), entry.value()});
  }
  client_.BatchSetAsync(
      entries, {.ttl = *ttl},
      reply.Then([](BatchWriteResult result, v1::BatchSetResponse& out) {
        AddFailures(result.failed, out.mutable_failed());
      }));
}

void KeyValueService::BatchDelete(const grpc::CallbackServerContext& context,
                                  const v1::BatchDeleteRequest& request,
                                  Reply<v1::BatchDeleteResponse> reply) {
  if (grpc::Status refused =
          AdmitBatch(context, "BatchDelete", request.keys_size());
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.BatchDeleteAsync(
      ToVector(request.keys()),
      reply.Then([](BatchWriteResult result, v1::BatchDeleteResponse& out) {
        AddFailures(result.failed, out.mutable_failed());
      }));
}

void KeyValueService::Add(const grpc::CallbackServerContext& context,
                          const v1::AddRequest& request,
                          Reply<v1::AddResponse> reply) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(context, request, &ttl);
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.AddAsync(request.key(), request.value(), {.ttl = ttl}, reply.Then());
}

void KeyValueService::Replace(const grpc::CallbackServerContext& context,
                              const v1::ReplaceRequest& request,
                              Reply<v1::ReplaceResponse> reply) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(context, request, &ttl);
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.ReplaceAsync(request.key(), request.value(), {.ttl = ttl},
                       reply.Then());
}

void KeyValueService::Increment(const grpc::CallbackServerContext& context,
                                const v1::IncrementRequest& request,
                                Reply<v1::IncrementResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request.ttl(), "ttl");
  if (!ttl.ok()) return reply.Fail(ToGrpcStatus(ttl.status()));
  client_.IncrementAsync(
      request.key(), request.delta(),
      {.initial = request.initial(),
       .create = !request.has_create() || request.create(),
       .ttl = *ttl},
      reply.Then([](uint64_t value, v1::IncrementResponse& out) {
        out.set_value(value);
      }));
}

void KeyValueService::GetVersioned(const grpc::CallbackServerContext& context,
                                   const v1::GetVersionedRequest& request,
                                   Reply<v1::GetVersionedResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  client_.GetVersionedAsync(
      request.key(),
      reply.Then([](VersionedValue value, v1::GetVersionedResponse& out) {
        out.set_value(std::move(value.value));
        out.set_version(value.version);
      }));
}

void KeyValueService::CompareAndSet(const grpc::CallbackServerContext& context,
                                    const v1::CompareAndSetRequest& request,
                                    Reply<v1::CompareAndSetResponse> reply) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(context, request, &ttl);
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.CompareAndSetAsync(request.key(), request.value(), request.version(),
                             {.ttl = ttl}, reply.Then());
}

void KeyValueService::Touch(const grpc::CallbackServerContext& context,
                            const v1::TouchRequest& request,
                            Reply<v1::TouchResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request.ttl(), "ttl");
  if (!ttl.ok()) return reply.Fail(ToGrpcStatus(ttl.status()));
  client_.TouchAsync(request.key(), *ttl, reply.Then());
}

void KeyValueService::GetAndTouch(const grpc::CallbackServerContext& context,
                                  const v1::GetAndTouchRequest& request,
                                  Reply<v1::GetAndTouchResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request.ttl(), "ttl");
  if (!ttl.ok()) return reply.Fail(ToGrpcStatus(ttl.status()));
  client_.GetAndTouchAsync(
      request.key(), *ttl,
      reply.Then([](std::string value, v1::GetAndTouchResponse& out) {
        out.set_value(std::move(value));
      }));
}

void KeyValueService::Append(const grpc::CallbackServerContext& context,
                             const v1::AppendRequest& request,
                             Reply<v1::AppendResponse> reply) {
  if (grpc::Status refused =
          AdmitValue(context, request.key(), request.value());
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.AppendAsync(request.key(), request.value(), reply.Then());
}

void KeyValueService::Prepend(const grpc::CallbackServerContext& context,
                              const v1::PrependRequest& request,
                              Reply<v1::PrependResponse> reply) {
  if (grpc::Status refused =
          AdmitValue(context, request.key(), request.value());
      !refused.ok()) {
    return reply.Fail(refused);
  }
  client_.PrependAsync(request.key(), request.value(), reply.Then());
}

void KeyValueService::Flush(const grpc::CallbackServerContext& context,
                            const v1::FlushRequest& request,
                            Reply<v1::FlushResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  absl::StatusOr<absl::Duration> delay =
      FromProtoDuration(request.delay(), "delay");
  if (!delay.ok()) return reply.Fail(ToGrpcStatus(delay.status()));
  client_.FlushAsync(*delay, reply.Then());
}

void KeyValueService::Stats(const grpc::CallbackServerContext& context,
                            const v1::StatsRequest&,
                            Reply<v1::StatsResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  client_.StatsAsync(
      reply.Then([](std::vector<EndpointStats> stats, v1::StatsResponse& out) {
        proto::ToProtoStats(stats, &out);
      }));
}

void KeyValueService::Health(const grpc::CallbackServerContext& context,
                             const v1::HealthRequest& request,
                             Reply<v1::HealthResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  absl::StatusOr<absl::Duration> timeout =
      FromProtoDuration(request.timeout(), "timeout");
  if (!timeout.ok()) return reply.Fail(ToGrpcStatus(timeout.status()));
  if (*timeout < absl::ZeroDuration()) {
    return reply.Fail(ToGrpcStatus(absl::InvalidArgumentError(
        "health timeout " + absl::FormatDuration(*timeout) + " is negative")));
  }
  if (*timeout == absl::ZeroDuration()) *timeout = kDefaultHealthTimeout;
  *timeout = std::min(*timeout, limits_.max_health_timeout);
  health_.Probe(*timeout, [reply](const HealthReport& report) {
    v1::HealthResponse response;
    proto::ToProtoHealth(report, &response);
    reply.Send(response);
  });
}

void KeyValueService::Describe(const grpc::CallbackServerContext& context,
                               const v1::DescribeRequest&,
                               Reply<v1::DescribeResponse> reply) {
  if (grpc::Status denied = Admit(context); !denied.ok()) {
    return reply.Fail(denied);
  }
  v1::DescribeResponse response;
  *response.mutable_capabilities() = proto::ToProtoCapabilities(
      client_.capabilities(),
      std::min(client_.options().max_value_bytes, limits_.max_value_bytes));
  reply.Send(response);
}

}  // namespace kivi
