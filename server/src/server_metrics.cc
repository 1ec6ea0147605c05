#include "src/server_metrics.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "grpcpp/support/interceptor.h"
#include "kivi/observability/metrics_observer.h"

namespace kivi {
namespace {

using observability::Labels;
using observability::MetricFamily;
using observability::MetricType;

// More than kivi-server's services have methods.
constexpr size_t kMaxMethods = 64;

// Times one call and reports it when its status is sent (or, for a call
// cancelled without one, when gRPC drops the interceptor).
class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(ServerMetrics* metrics, const char* method)
      : metrics_(metrics), method_(method), start_(absl::Now()) {
    if (method_.size() > 1 && method_[0] == '/') method_.remove_prefix(1);
    metrics_->CallStarted();
  }
  ~CallInterceptor() override {
    if (!reported_)
      metrics_->CallEnded(method_, false, 0, absl::Now() - start_);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS) &&
        !reported_) {
      reported_ = true;
      metrics_->CallEnded(method_, true, methods->GetSendStatus().error_code(),
                          absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  ServerMetrics* const metrics_;
  absl::string_view method_;  // gRPC keeps the name for the call's life.
  const absl::Time start_;
  bool reported_ = false;
};

class CallInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(ServerMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(metrics_, info->method());
  }

 private:
  ServerMetrics* const metrics_;
};

}  // namespace

ServerMetrics::MethodMetrics::MethodMetrics()
    : duration(observability::LatencyBucketsSeconds()) {}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ServerMetrics::NewInterceptorFactory() {
  return std::make_unique<CallInterceptorFactory>(this);
}

void ServerMetrics::CallStarted() {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
}

void ServerMetrics::CallEnded(absl::string_view method, bool sent, int code,
                              absl::Duration latency) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  if (!sent) return;
  std::lock_guard<std::mutex> lock(mu_);
  // Clients choose the method names of calls gRPC answers UNIMPLEMENTED, so
  // past a bound new names share one series instead of growing the page.
  if (methods_.size() >= kMaxMethods && !methods_.contains(method)) {
    method = "other";
  }
  std::unique_ptr<MethodMetrics>& m = methods_[method];
  if (m == nullptr) m = std::make_unique<MethodMetrics>();
  ++m->codes[code];
  m->duration.ObserveDuration(latency);
}

void ServerMetrics::HealthChanged(bool serving) {
  (serving ? to_serving_ : to_not_serving_)
      .fetch_add(1, std::memory_order_relaxed);
}

void ServerMetrics::Collect(std::vector<MetricFamily>* out) const {
  MetricFamily requests{.name = "kivi_server_requests_total",
                        .help =
                            "gRPC calls answered, by method and status "
                            "code (refused calls included).",
                        .type = MetricType::kCounter};
  MetricFamily durations{.name = "kivi_server_request_duration_seconds",
                         .help =
                             "Time from a gRPC call's start to its "
                             "status, by method.",
                         .type = MetricType::kHistogram};
  durations.bounds.assign(observability::LatencyBucketsSeconds().begin(),
                          observability::LatencyBucketsSeconds().end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> names;
    for (const auto& [name, m] : methods_) names.push_back(name);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const MethodMetrics& m = *methods_.at(name);
      std::vector<std::pair<int, uint64_t>> codes(m.codes.begin(),
                                                  m.codes.end());
      std::sort(codes.begin(), codes.end());
      for (const auto& [code, n] : codes) {
        requests.samples.push_back(
            {{{"method", name},
              {"code",
               observability::CodeLabel(static_cast<absl::StatusCode>(code))}},
             static_cast<double>(n)});
      }
      durations.histograms.push_back(m.duration.Snapshot({{"method", name}}));
    }
  }
  out->push_back(std::move(requests));
  out->push_back(std::move(durations));
  out->push_back(MetricFamily{
      .name = "kivi_server_requests_in_flight",
      .help = "gRPC calls started and not yet answered.",
      .type = MetricType::kGauge,
      .samples = {
          {{},
           static_cast<double>(in_flight_.load(std::memory_order_relaxed))}}});
  out->push_back(MetricFamily{
      .name = "kivi_health_transitions_total",
      .help = "Changes of the health verdict, by the state entered.",
      .type = MetricType::kCounter,
      .samples = {
          {{{"to", "SERVING"}}, static_cast<double>(to_serving_.load())},
          {{{"to", "NOT_SERVING"}},
           static_cast<double>(to_not_serving_.load())}}});
}

void CollectHealth(bool serving, const HealthReport& last,
                   std::vector<MetricFamily>* out) {
  out->push_back(
      MetricFamily{.name = "kivi_health_serving",
                   .help = "1 while grpc.health.v1 reports SERVING, else 0.",
                   .type = MetricType::kGauge,
                   .samples = {{{}, serving ? 1.0 : 0.0}}});
  MetricFamily up{.name = "kivi_backend_up",
                  .help =
                      "1 if the backend endpoint answered the last health "
                      "probe, else 0.",
                  .type = MetricType::kGauge};
  MetricFamily latency{.name = "kivi_backend_probe_latency_seconds",
                       .help =
                           "Round-trip time of the endpoint's last health "
                           "probe.",
                       .type = MetricType::kGauge};
  for (const EndpointHealth& e : last.endpoints) {
    const Labels labels = {{"endpoint", e.endpoint}};
    up.samples.push_back({labels, e.ok ? 1.0 : 0.0});
    latency.samples.push_back({labels, absl::ToDoubleSeconds(e.latency)});
  }
  out->push_back(std::move(up));
  out->push_back(std::move(latency));
}

void CollectBuildInfo(std::vector<MetricFamily>* out) {
  out->push_back(MetricFamily{.name = "kivi_build_info",
                              .help = "Always 1; the labels say which kivi "
                                      "is running.",
                              .type = MetricType::kGauge,
                              .samples = {{{{"version", KIVI_VERSION}}, 1}}});
}

}  // namespace kivi
