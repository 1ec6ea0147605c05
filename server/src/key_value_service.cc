#include "src/key_value_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

grpc::Status KeyValueService::Get(grpc::ServerContext*,
                                  const v1::GetRequest* request,
                                  v1::GetResponse* response) {
  absl::StatusOr<std::string> value = client_.Get(request->key());
  if (!value.ok()) return ToGrpcStatus(value.status());
  response->set_value(*std::move(value));
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Set(grpc::ServerContext*,
                                  const v1::SetRequest* request,
                                  v1::SetResponse*) {
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  return ToGrpcStatus(
      client_.Set(request->key(), request->value(), {.ttl = *ttl}));
}

grpc::Status KeyValueService::Delete(grpc::ServerContext*,
                                     const v1::DeleteRequest* request,
                                     v1::DeleteResponse*) {
  return ToGrpcStatus(client_.Delete(request->key()));
}

grpc::Status KeyValueService::List(grpc::ServerContext*,
                                   const v1::ListRequest* request,
                                   v1::ListResponse* response) {
  absl::StatusOr<std::vector<std::string>> keys =
      client_.List(request->prefix());
  if (!keys.ok()) return ToGrpcStatus(keys.status());
  response->mutable_keys()->Reserve(static_cast<int>(keys->size()));
  for (std::string& key : *keys) response->add_keys(std::move(key));
  return grpc::Status::OK;
}

grpc::Status KeyValueService::BatchGet(grpc::ServerContext*,
                                       const v1::BatchGetRequest* request,
                                       v1::BatchGetResponse* response) {
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

grpc::Status KeyValueService::BatchSet(grpc::ServerContext*,
                                       const v1::BatchSetRequest* request,
                                       v1::BatchSetResponse* response) {
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

grpc::Status KeyValueService::BatchDelete(grpc::ServerContext*,
                                          const v1::BatchDeleteRequest* request,
                                          v1::BatchDeleteResponse* response) {
  absl::StatusOr<BatchWriteResult> result =
      client_.BatchDelete(ToVector(request->keys()));
  if (!result.ok()) return ToGrpcStatus(result.status());
  AddFailures(result->failed, response->mutable_failed());
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Add(grpc::ServerContext*,
                                  const v1::AddRequest* request,
                                  v1::AddResponse*) {
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  return ToGrpcStatus(
      client_.Add(request->key(), request->value(), {.ttl = *ttl}));
}

grpc::Status KeyValueService::Replace(grpc::ServerContext*,
                                      const v1::ReplaceRequest* request,
                                      v1::ReplaceResponse*) {
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  return ToGrpcStatus(
      client_.Replace(request->key(), request->value(), {.ttl = *ttl}));
}

grpc::Status KeyValueService::Increment(grpc::ServerContext*,
                                        const v1::IncrementRequest* request,
                                        v1::IncrementResponse* response) {
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
    grpc::ServerContext*, const v1::GetVersionedRequest* request,
    v1::GetVersionedResponse* response) {
  absl::StatusOr<VersionedValue> value = client_.GetVersioned(request->key());
  if (!value.ok()) return ToGrpcStatus(value.status());
  response->set_value(std::move(value->value));
  response->set_version(value->version);
  return grpc::Status::OK;
}

grpc::Status KeyValueService::CompareAndSet(
    grpc::ServerContext*, const v1::CompareAndSetRequest* request,
    v1::CompareAndSetResponse*) {
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  return ToGrpcStatus(client_.CompareAndSet(request->key(), request->value(),
                                            request->version(), {.ttl = *ttl}));
}

grpc::Status KeyValueService::Touch(grpc::ServerContext*,
                                    const v1::TouchRequest* request,
                                    v1::TouchResponse*) {
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  return ToGrpcStatus(client_.Touch(request->key(), *ttl));
}

grpc::Status KeyValueService::GetAndTouch(grpc::ServerContext*,
                                          const v1::GetAndTouchRequest* request,
                                          v1::GetAndTouchResponse* response) {
  absl::StatusOr<absl::Duration> ttl = FromProtoDuration(request->ttl(), "ttl");
  if (!ttl.ok()) return ToGrpcStatus(ttl.status());
  absl::StatusOr<std::string> value = client_.GetAndTouch(request->key(), *ttl);
  if (!value.ok()) return ToGrpcStatus(value.status());
  response->set_value(*std::move(value));
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Append(grpc::ServerContext*,
                                     const v1::AppendRequest* request,
                                     v1::AppendResponse*) {
  return ToGrpcStatus(client_.Append(request->key(), request->value()));
}

grpc::Status KeyValueService::Prepend(grpc::ServerContext*,
                                      const v1::PrependRequest* request,
                                      v1::PrependResponse*) {
  return ToGrpcStatus(client_.Prepend(request->key(), request->value()));
}

grpc::Status KeyValueService::Flush(grpc::ServerContext*,
                                    const v1::FlushRequest* request,
                                    v1::FlushResponse*) {
  absl::StatusOr<absl::Duration> delay =
      FromProtoDuration(request->delay(), "delay");
  if (!delay.ok()) return ToGrpcStatus(delay.status());
  return ToGrpcStatus(client_.Flush(*delay));
}

grpc::Status KeyValueService::Stats(grpc::ServerContext*,
                                    const v1::StatsRequest*,
                                    v1::StatsResponse* response) {
  absl::StatusOr<std::vector<EndpointStats>> stats = client_.Stats();
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  proto::ToProtoStats(*stats, response);
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Health(grpc::ServerContext*,
                                     const v1::HealthRequest* request,
                                     v1::HealthResponse* response) {
  absl::StatusOr<absl::Duration> timeout =
      FromProtoDuration(request->timeout(), "timeout");
  if (!timeout.ok()) return ToGrpcStatus(timeout.status());
  if (*timeout < absl::ZeroDuration()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "health timeout " + absl::FormatDuration(*timeout) + " is negative"));
  }
  if (*timeout == absl::ZeroDuration()) *timeout = kDefaultHealthTimeout;
  proto::ToProtoHealth(client_.Health(*timeout), response);
  return grpc::Status::OK;
}

grpc::Status KeyValueService::Describe(grpc::ServerContext*,
                                       const v1::DescribeRequest*,
                                       v1::DescribeResponse* response) {
  *response->mutable_capabilities() = proto::ToProtoCapabilities(
      client_.capabilities(), client_.options().max_value_bytes);
  return grpc::Status::OK;
}

}  // namespace kivi
