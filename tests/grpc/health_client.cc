#include "health_client.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace kivi::testing {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

std::unique_ptr<Health::Stub> HealthStub(const std::string& address) {
  return Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

HealthCheckResponse::ServingStatus Check(Health::Stub& stub,
                                         const std::string& service,
                                         grpc::StatusCode* code) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  const grpc::Status status = stub.Check(&context, request, &response);
  if (code != nullptr) *code = status.error_code();
  EXPECT_TRUE(code != nullptr || status.ok()) << status.error_message();
  return response.status();
}

Watcher::Watcher(Health::Stub& stub, const std::string& service,
                 absl::Duration deadline) {
  context_.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  HealthCheckRequest request;
  request.set_service(service);
  reader_ = stub.Watch(&context_, request);
}

bool Watcher::WaitFor(HealthCheckResponse::ServingStatus want) {
  HealthCheckResponse response;
  while (reader_->Read(&response)) {
    if (response.status() == want) return true;
  }
  return false;
}

}  // namespace kivi::testing
