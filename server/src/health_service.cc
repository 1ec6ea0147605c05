#include "src/health_service.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/support/method_handler.h"

namespace kivi {
namespace {

using ::google::protobuf::internal::WireFormatLite;

// grpc.health.v1.HealthCheckResponse.ServingStatus.
enum ServingStatus : uint8_t {
  kServing = 1,
  kNotServing = 2,
  kServiceUnknown = 3,
};

// How often a blocked Watch looks whether its client has gone.
constexpr absl::Duration kCancelPollInterval = absl::Milliseconds(200);

// Reads HealthCheckRequest { string service = 1; } into `*service`; false
// when the bytes are not such a message. Unknown fields are skipped, as
// protobuf parsers do.
bool ParseRequest(const grpc::ByteBuffer& buffer, std::string* service) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  service->clear();
  while (const uint32_t tag = input.ReadTag()) {
    if (tag ==
        WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      if (!WireFormatLite::ReadString(&input, service)) return false;
      continue;
    }
    if (!WireFormatLite::SkipField(&input, tag)) return false;
  }
  return input.ConsumedEntireMessage();
}

// HealthCheckResponse { ServingStatus status = 1; }.
grpc::ByteBuffer Response(ServingStatus status) {
  const uint8_t bytes[] = {static_cast<uint8_t>(WireFormatLite::MakeTag(
                               1, WireFormatLite::WIRETYPE_VARINT)),
                           status};
  grpc::Slice slice(bytes, sizeof(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

HealthService::HealthService(std::vector<std::string> names)
    : names_(std::move(names)) {
  using Handler =
      grpc::internal::RpcMethodHandler<HealthService, grpc::ByteBuffer,
                                       grpc::ByteBuffer>;
  using StreamHandler =
      grpc::internal::ServerStreamingHandler<HealthService, grpc::ByteBuffer,
                                             grpc::ByteBuffer>;
  AddMethod(new grpc::internal::RpcServiceMethod(
      "/grpc.health.v1.Health/Check", grpc::internal::RpcMethod::NORMAL_RPC,
      new Handler(
          [](HealthService* service, grpc::ServerContext* context,
             const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
            return service->Check(context, request, response);
          },
          this)));
  AddMethod(new grpc::internal::RpcServiceMethod(
      "/grpc.health.v1.Health/Watch",
      grpc::internal::RpcMethod::SERVER_STREAMING,
      new StreamHandler(
          [](HealthService* service, grpc::ServerContext* context,
             const grpc::ByteBuffer* request,
             grpc::ServerWriter<grpc::ByteBuffer>* writer) {
            return service->Watch(context, request, writer);
          },
          this)));
}

void HealthService::SetServing(bool serving) {
  absl::MutexLock lock(&mu_);
  if (!frozen_) serving_ = serving;
}

void HealthService::DeclareNotServing() {
  absl::MutexLock lock(&mu_);
  frozen_ = true;
  serving_ = false;
}

void HealthService::EndWatches() {
  absl::MutexLock lock(&mu_);
  ending_ = true;
}

grpc::Status HealthService::Check(grpc::ServerContext*,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) {
  std::string service;
  if (!ParseRequest(*request, &service)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "malformed grpc.health.v1.HealthCheckRequest");
  }
  if (std::find(names_.begin(), names_.end(), service) == names_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "unknown service \"" + service + "\"");
  }
  absl::MutexLock lock(&mu_);
  *response = Response(serving_ ? kServing : kNotServing);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(
    grpc::ServerContext* context, const grpc::ByteBuffer* request,
    grpc::ServerWriter<grpc::ByteBuffer>* writer) {
  std::string service;
  if (!ParseRequest(*request, &service)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "malformed grpc.health.v1.HealthCheckRequest");
  }
  const bool known =
      std::find(names_.begin(), names_.end(), service) != names_.end();
  auto current = [this, known]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !known ? kServiceUnknown : serving_ ? kServing : kNotServing;
  };
  std::optional<ServingStatus> sent;
  absl::MutexLock lock(&mu_);
  while (true) {
    if (sent != current()) {
      sent = current();
      mu_.Unlock();
      const bool written = writer->Write(Response(*sent));
      mu_.Lock();
      if (!written) return grpc::Status::CANCELLED;
      continue;  // The status may have changed during the write.
    }
    if (ending_) return grpc::Status::OK;
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    auto news = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return sent != current() || ending_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&news), kCancelPollInterval);
  }
}

}  // namespace kivi
