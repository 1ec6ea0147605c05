#ifndef KIVI_TESTS_GRPC_HEALTH_CLIENT_H_
#define KIVI_TESTS_GRPC_HEALTH_CLIENT_H_

// A grpc.health.v1 client for tests: Check and Watch, as a probe or an
// orchestrator uses them. Shared by the in-process server tests
// (tests/grpc) and the kivi-server process tests (integration/server).

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace kivi::testing {

// A stub over an insecure channel to `address` ("host:port").
std::unique_ptr<grpc::health::v1::Health::Stub> HealthStub(
    const std::string& address);

// Check's answer for `service`, within 5 s. An RPC failure is a test
// failure unless `code` is given, which then receives the RPC's code.
grpc::health::v1::HealthCheckResponse::ServingStatus Check(
    grpc::health::v1::Health::Stub& stub, const std::string& service,
    grpc::StatusCode* code = nullptr);

// A Watch stream for `service`, read one status at a time; cancelled when
// destroyed.
class Watcher {
 public:
  Watcher(grpc::health::v1::Health::Stub& stub, const std::string& service,
          absl::Duration deadline = absl::Seconds(60));
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;
  ~Watcher() { context_.TryCancel(); }

  // Reads statuses until `want` arrives; false if the stream ends first.
  bool WaitFor(grpc::health::v1::HealthCheckResponse::ServingStatus want);

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<grpc::health::v1::HealthCheckResponse>>
      reader_;
};

}  // namespace kivi::testing

#endif  // KIVI_TESTS_GRPC_HEALTH_CLIENT_H_
