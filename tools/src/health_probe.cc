#include "src/health_probe.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "kivi/grpc/channel.h"
#include "kivi/kivi.h"

namespace kivi::cli {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// One Check call. Without wait-for-ready it fails fast on a channel that
// cannot connect, with gRPC's reason (refused, TLS handshake failed, ...).
grpc::Status Check(Health::Stub& stub, const std::string& service,
                   absl::Duration timeout, HealthCheckResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  HealthCheckRequest request;
  request.set_service(service);
  return stub.Check(&context, request, response);
}

int ProbeServer(const HealthInvocation& invocation, std::FILE* out,
                std::FILE* err) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      NewClientChannel(invocation.addr, invocation.tls);
  if (!channel.ok()) {
    absl::FPrintF(err, "kivi health: %s\n", channel.status().ToString());
    return absl::IsInvalidArgument(channel.status()) ? kHealthBadArguments
                                                     : kHealthConnectionFailure;
  }
  std::unique_ptr<Health::Stub> stub = Health::NewStub(*channel);
  HealthCheckResponse response;
  if (!(*channel)->WaitForConnected(
          absl::ToChronoTime(absl::Now() + invocation.connect_timeout))) {
    const grpc::Status why =
        Check(*stub, invocation.service, invocation.rpc_timeout, &response);
    absl::FPrintF(err, "kivi health: cannot connect to %s within %s: %s\n",
                  invocation.addr,
                  absl::FormatDuration(invocation.connect_timeout),
                  why.error_message());
    return kHealthConnectionFailure;
  }
  const grpc::Status status =
      Check(*stub, invocation.service, invocation.rpc_timeout, &response);
  if (!status.ok()) {
    absl::FPrintF(err,
                  "kivi health: %s: health check of service \"%s\" "
                  "failed: code %d: %s\n",
                  invocation.addr, invocation.service,
                  static_cast<int>(status.error_code()),
                  status.error_message());
    return kHealthRpcFailure;
  }
  const std::string name =
      HealthCheckResponse::ServingStatus_Name(response.status());
  absl::FPrintF(out, "status: %s\n", name);
  return response.status() == HealthCheckResponse::SERVING ? kHealthServing
                                                           : kHealthNotServing;
}

int ProbeBackend(const HealthInvocation& invocation, std::FILE* out,
                 std::FILE* err) {
  absl::StatusOr<std::unique_ptr<Client>> client = Open(invocation.backend);
  if (!client.ok()) {
    absl::FPrintF(err, "kivi health: %s\n", client.status().ToString());
    return absl::IsInvalidArgument(client.status()) ? kHealthBadArguments
                                                    : kHealthConnectionFailure;
  }
  const HealthReport report = (*client)->Health(invocation.rpc_timeout);
  for (const EndpointHealth& endpoint : report.endpoints) {
    absl::FPrintF(out, "%s %s %.3fms%s\n", endpoint.endpoint,
                  endpoint.ok ? "ok" : "DOWN",
                  absl::ToDoubleMilliseconds(endpoint.latency),
                  endpoint.ok ? "" : ": " + endpoint.error.ToString());
  }
  absl::FPrintF(out, "status: %s\n", report.ok() ? "SERVING" : "NOT_SERVING");
  return report.ok() ? kHealthServing : kHealthNotServing;
}

}  // namespace

int RunHealthProbe(const HealthInvocation& invocation, std::FILE* out,
                   std::FILE* err) {
  return invocation.addr.empty() ? ProbeBackend(invocation, out, err)
                                 : ProbeServer(invocation, out, err);
}

}  // namespace kivi::cli
