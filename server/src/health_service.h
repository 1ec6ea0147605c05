#ifndef KIVI_SERVER_SRC_HEALTH_SERVICE_H_
#define KIVI_SERVER_SRC_HEALTH_SERVICE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"

namespace kivi {

// The standard grpc.health.v1.Health service (Check and Watch) for a fixed
// set of service names that share one status. Its messages are the
// protocol's two one-field messages, read and written directly on the wire
// so that no generated grpc.health.v1 code (which an application may
// compile itself) is linked into kivi.
//
// kivi-server serves this rather than gRPC's built-in health service so
// that shutdown can end Watch streams: a stream open forever would hold
// every graceful shutdown for the whole drain timeout.
//
// Check: the status of a known name; NOT_FOUND for another. Watch: the
// status now and at every change; SERVICE_UNKNOWN for another name (kept
// open, as the protocol asks). Every name starts NOT_SERVING.
//
// Thread-safe. Must outlive the grpc::Server it is registered with.
class HealthService final : public grpc::Service {
 public:
  explicit HealthService(std::vector<std::string> names);

  // Sets the status of every name. Ignored after DeclareNotServing().
  void SetServing(bool serving);
  // NOT_SERVING for good; Watch streams are told at once and stay open.
  void DeclareNotServing();
  // Ends every Watch stream, current and future, once it has been sent the
  // current status. For shutdown.
  void EndWatches();

 private:
  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::ByteBuffer* request,
                     grpc::ByteBuffer* response);
  grpc::Status Watch(grpc::ServerContext* context,
                     const grpc::ByteBuffer* request,
                     grpc::ServerWriter<grpc::ByteBuffer>* writer);

  const std::vector<std::string> names_;
  absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  bool frozen_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_HEALTH_SERVICE_H_
