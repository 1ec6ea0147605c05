#ifndef KIVI_OBSERVABILITY_METRICS_OBSERVER_H_
#define KIVI_OBSERVABILITY_METRICS_OBSERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "kivi/client.h"
#include "kivi/observability/histogram.h"
#include "kivi/observability/metric_family.h"
#include "kivi/observer.h"

namespace kivi::observability {

// A ClientObserver that keeps metrics of every call, for a Prometheus
// scrape (see RenderPrometheusText):
//   kivi_client_operations_total{backend,operation,code}   counter
//   kivi_client_operation_duration_seconds{backend,operation}  histogram
//     (LatencyBucketsSeconds)
//   kivi_client_hits_total{backend,operation}      Get-like calls, BatchGet
//   kivi_client_misses_total{backend,operation}    keys
//   kivi_client_failed_keys_total{backend,operation}  batch keys whose
//                                                     server failed
// `code` is the status code's canonical name ("OK", "NOT_FOUND", ...).
// Series appear once they have counted something.
//
// Thread-safe; OnOperation is lock-free once a backend has been seen. One
// observer may serve several Clients; their series differ by `backend`.
class MetricsObserver final : public ClientObserver {
 public:
  MetricsObserver();
  ~MetricsObserver() override;

  void OnOperation(const OperationEvent& event) override;

  // Appends the families above, with their current values.
  void Collect(std::vector<MetricFamily>* out) const;

 private:
  struct BackendMetrics;
  BackendMetrics& For(absl::string_view backend);

  // The backend of the latest event, checked before taking mu_.
  std::atomic<BackendMetrics*> last_{nullptr};
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<BackendMetrics>> backends_ ABSL_GUARDED_BY(mu_);
};

// Appends the endpoint gauges of `client`'s backend
// (Client::EndpointStates), labelled with its backend name:
//   kivi_client_endpoint_up{backend,endpoint}         1 taking traffic,
//                                                     0 marked down
//   kivi_client_pool_connections{backend,endpoint,state="open"|"idle"}
//   kivi_client_pool_max_connections{backend,endpoint}
//   kivi_client_pool_waiters{backend,endpoint}
// Backends that report no endpoints add empty families.
void CollectEndpointStates(const Client& client,
                           std::vector<MetricFamily>* out);

// The canonical name of `code` ("OK", "NOT_FOUND", ...), the value of every
// kivi `code` label.
std::string CodeLabel(absl::StatusCode code);

}  // namespace kivi::observability

#endif  // KIVI_OBSERVABILITY_METRICS_OBSERVER_H_
