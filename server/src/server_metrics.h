#ifndef KIVI_SERVER_SRC_SERVER_METRICS_H_
#define KIVI_SERVER_SRC_SERVER_METRICS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"
#include "kivi/observability/histogram.h"
#include "kivi/observability/metric_family.h"
#include "kivi/results.h"

namespace kivi {

// What kivi-server itself counts: every gRPC call (through an interceptor,
// so refused calls count too), calls in flight and health transitions.
// Thread-safe.
class ServerMetrics {
 public:
  ServerMetrics() = default;
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // A factory for ServerBuilder::experimental().SetInterceptorCreators
  // whose interceptors report to this object, which must outlive the
  // gRPC server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

  // A call started / ended with `code` (a grpc::StatusCode) after
  // `latency`. A call cancelled before it sent a status ends without
  // one (`sent` false): it leaves the in-flight count only.
  void CallStarted();
  void CallEnded(absl::string_view method, bool sent, int code,
                 absl::Duration latency);
  // The health checker's verdict changed.
  void HealthChanged(bool serving);

  // Appends kivi_server_requests_total, kivi_server_request_duration_seconds,
  // kivi_server_requests_in_flight and kivi_health_transitions_total.
  void Collect(std::vector<observability::MetricFamily>* out) const;

 private:
  struct MethodMetrics {
    MethodMetrics();
    observability::Histogram duration;
    absl::flat_hash_map<int, uint64_t> codes;
  };

  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> to_serving_{0};
  std::atomic<uint64_t> to_not_serving_{0};
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_
      ABSL_GUARDED_BY(mu_);
};

// The health families of a scrape: kivi_health_serving, and per endpoint
// of the last probe kivi_backend_up and kivi_backend_probe_latency_seconds.
void CollectHealth(bool serving, const HealthReport& last,
                   std::vector<observability::MetricFamily>* out);

// kivi_build_info{version} 1.
void CollectBuildInfo(std::vector<observability::MetricFamily>* out);

}  // namespace kivi

#endif  // KIVI_SERVER_SRC_SERVER_METRICS_H_
