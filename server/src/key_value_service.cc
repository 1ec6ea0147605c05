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

grpc::Status KeyValueService::AdmitBatch(const grpc::ServerContext& context,
                                         absl::string_view rpc,
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

grpc::Status KeyValueService::AdmitValue(const grpc::ServerContext& context,
                                         const std::string& key,
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
grpc::Status KeyValueService::AdmitWrite(const grpc::ServerContext& context,
                                         const Request& request,
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

grpc::Status KeyValueService::Get(grpc::ServerContext* context,
                                  const v1::GetRequest* request,
                                  v1::GetResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<std::string> value = client_.Get(request->key());
  if (!value.ok()) return ToGrpcStatus(value.status());
  response->set_value(*std::move(value));
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Set(grpc::ServerContext* context,
                                  const v1::SetRequest* request,
                                  v1::SetResponse*) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(*context, *request, &ttl);
      !refused.ok()) {
    return refused;
  }
  return ToGrpcStatus(
      client_.Set(request->key(), request->value(), {.ttl = ttl}));
}

grpc::Status KeyValueService::Delete(grpc::ServerContext* context,
                                     const v1::DeleteRequest* request,
                                     v1::DeleteResponse*) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  return ToGrpcStatus(client_.Delete(request->key()));
}

grpc::Status KeyValueService::List(grpc::ServerContext* context,
                                   const v1::ListRequest* request,
                                   v1::ListResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<std::vector<std::string>> keys =
      client_.List(request->prefix());
  if (!keys.ok()) return ToGrpcStatus(keys.status());
  response->mutable_keys()->Reserve(static_cast<int>(keys->size()));
  for (std::string& key : *keys) response->add_keys(std::move(key));
  return grpc::Status::OK;
}

grpc::Status KeyValueService::BatchGet(grpc::ServerContext* context,
                                       const v1::BatchGetRequest* request,
                                       v1::BatchGetResponse* response) {
  if (grpc::Status refused =
          AdmitBatch(*context, "BatchGet", request->keys_size());
      !refused.ok()) {
    return refused;
  }
  absl::StatusOr<BatchGetResult> result =
      client_.BatchGet(ToVector(request->keys()));
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->mutable_found()->Reserve(static_cast<int>(result->found.size()));
  for (auto& [key, value] : result->found) {
    v1::BatchGetResponse::Hit* hit = response->add_found();
    hit->set_key(key);
    hit->set_value(std::move(value));
  }
  AddFailures(result->failed, response->mutable_failed());
  return grpc::Status::OK;
}

grpc::Status KeyValueService::BatchSet(grpc::ServerContext* context,
                                       const v1::BatchSetRequest* request,
                                       v1::BatchSetResponse* response) {
  if (grpc::Status refused =
          AdmitBatch(*context, "BatchSet", request->entries_size());
      !refused.ok()) {
    return refused;
  }
  for (int i = 0; i < request->entries_size(); ++i) {
    const v1::BatchSetRequest::Entry& entry = request->entries(i);
    if (grpc::Status over = CheckValue(entry.key(), entry.value());
        !over.ok()) {
      return grpc::Status(
          over.error_code(),
          absl::StrCat("entries[", i, "]: ", over.error_message()));
    }
  }
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  std::vector<KeyValue> entries;
  entries.reserve(request->entries_size());
  for (const v1::BatchSetRequest::Entry& entry : request->entries()) {
    entries.push_back({entry.key(), entry.value()});
  }
  absl::StatusOr<BatchWriteResult> result =
      client_.BatchSet(entries, {.ttl = *ttl});
  if (!result.ok()) return ToGrpcStatus(result.status());
  AddFailures(result->failed, response->mutable_failed());
  return grpc::Status::OK;
}

grpc::Status KeyValueService::BatchDelete(grpc::ServerContext* context,
                                          const v1::BatchDeleteRequest* request,
                                          v1::BatchDeleteResponse* response) {
  if (grpc::Status refused =
          AdmitBatch(*context, "BatchDelete", request->keys_size());
      !refused.ok()) {
    return refused;
  }
  absl::StatusOr<BatchWriteResult> result =
      client_.BatchDelete(ToVector(request->keys()));
  if (!result.ok()) return ToGrpcStatus(result.status());
  AddFailures(result->failed, response->mutable_failed());
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Add(grpc::ServerContext* context,
                                  const v1::AddRequest* request,
                                  v1::AddResponse*) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(*context, *request, &ttl);
      !refused.ok()) {
    return refused;
  }
  return ToGrpcStatus(
      client_.Add(request->key(), request->value(), {.ttl = ttl}));
}

grpc::Status KeyValueService::Replace(grpc::ServerContext* context,
                                      const v1::ReplaceRequest* request,
                                      v1::ReplaceResponse*) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(*context, *request, &ttl);
      !refused.ok()) {
    return refused;
  }
  return ToGrpcStatus(
      client_.Replace(request->key(), request->value(), {.ttl = ttl}));
}

grpc::Status KeyValueService::Increment(grpc::ServerContext* context,
                                        const v1::IncrementRequest* request,
                                        v1::IncrementResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  absl::StatusOr<uint64_t> value =
      client_.Increment(request->key(), request->delta(),
                        {.initial = request->initial(),
                         .create = !request->has_create() || request->create(),
                         .ttl = *ttl});
  if (!value.ok()) return ToGrpcStatus(value.status());
  response->set_value(*value);
  return grpc::Status::OK;
}

grpc::Status KeyValueService::GetVersioned(
    grpc::ServerContext* context, const v1::GetVersionedRequest* request,
    v1::GetVersionedResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<VersionedValue> value = client_.GetVersioned(request->key());
  if (!value.ok()) return ToGrpcStatus(value.status());
  response->set_value(std::move(value->value));
  response->set_version(value->version);
  return grpc::Status::OK;
}

grpc::Status KeyValueService::CompareAndSet(
    grpc::ServerContext* context, const v1::CompareAndSetRequest* request,
    v1::CompareAndSetResponse*) {
  absl::Duration ttl;
  if (grpc::Status refused = AdmitWrite(*context, *request, &ttl);
      !refused.ok()) {
    return refused;
  }
  return ToGrpcStatus(client_.CompareAndSet(request->key(), request->value(),
                                            request->version(), {.ttl = ttl}));
}

grpc::Status KeyValueService::Touch(grpc::ServerContext* context,
                                    const v1::TouchRequest* request,
                                    v1::TouchResponse*) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  return ToGrpcStatus(client_.Touch(request->key(), *ttl));
}

grpc::Status KeyValueService::GetAndTouch(grpc::ServerContext* context,
                                          const v1::GetAndTouchRequest* request,
                                          v1::GetAndTouchResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  absl::StatusOr<std::string> value = client_.GetAndTouch(request->key(), *ttl);
  if (!value.ok()) return ToGrpcStatus(value.status());
  response->set_value(*std::move(value));
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Append(grpc::ServerContext* context,
                                     const v1::AppendRequest* request,
                                     v1::AppendResponse*) {
  if (grpc::Status refused =
          AdmitValue(*context, request->key(), request->value());
      !refused.ok()) {
    return refused;
  }
  return ToGrpcStatus(client_.Append(request->key(), request->value()));
}

grpc::Status KeyValueService::Prepend(grpc::ServerContext* context,
                                      const v1::PrependRequest* request,
                                      v1::PrependResponse*) {
  if (grpc::Status refused =
          AdmitValue(*context, request->key(), request->value());
      !refused.ok()) {
    return refused;
  }
  return ToGrpcStatus(client_.Prepend(request->key(), request->value()));
}

grpc::Status KeyValueService::Flush(grpc::ServerContext* context,
                                    const v1::FlushRequest* request,
                                    v1::FlushResponse*) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<absl::Duration> delay =
      FromProtoDuration(request->delay(), "delay");
  if (!delay.ok()) return ToGrpcStatus(delay.status());
  return ToGrpcStatus(client_.Flush(*delay));
}

grpc::Status KeyValueService::Stats(grpc::ServerContext* context,
                                    const v1::StatsRequest*,
                                    v1::StatsResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<std::vector<EndpointStats>> stats = client_.Stats();
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  proto::ToProtoStats(*stats, response);
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Health(grpc::ServerContext* context,
                                     const v1::HealthRequest* request,
                                     v1::HealthResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  absl::StatusOr<absl::Duration> timeout =
      FromProtoDuration(request->timeout(), "timeout");
  if (!timeout.ok()) return ToGrpcStatus(timeout.status());
  if (*timeout < absl::ZeroDuration()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "health timeout " + absl::FormatDuration(*timeout) + " is negative"));
  }
  if (*timeout == absl::ZeroDuration()) *timeout = kDefaultHealthTimeout;
  *timeout = std::min(*timeout, limits_.max_health_timeout);
  proto::ToProtoHealth(client_.Health(*timeout), response);
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Describe(grpc::ServerContext* context,
                                       const v1::DescribeRequest*,
                                       v1::DescribeResponse* response) {
  if (grpc::Status denied = Admit(*context); !denied.ok()) return denied;
  *response->mutable_capabilities() = proto::ToProtoCapabilities(
      client_.capabilities(),
      std::min(client_.options().max_value_bytes, limits_.max_value_bytes));
  return grpc::Status::OK;
}

}  // namespace kivi
