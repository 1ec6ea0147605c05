#include "kivi/observability/metrics_observer.h"

#include <array>
#include <utility>

#include "absl/status/status.h"

namespace kivi::observability {
namespace {

constexpr int kCodeCount = 17;  // absl::StatusCode 0..16.

int CodeIndex(absl::StatusCode code) {
  const int i = static_cast<int>(code);
  return i >= 0 && i < kCodeCount
             ? i
             : static_cast<int>(absl::StatusCode::kUnknown);
}

template <typename T>
void Bump(std::atomic<T>& counter, T by) {
  if (by != 0) counter.fetch_add(by, std::memory_order_relaxed);
}

}  // namespace

std::string CodeLabel(absl::StatusCode code) {
  return absl::StatusCodeToString(
      static_cast<absl::StatusCode>(CodeIndex(code)));
}

struct MetricsObserver::BackendMetrics {
  explicit BackendMetrics(absl::string_view name) : backend(name) {
    for (auto& h : latency)
      h = std::make_unique<Histogram>(LatencyBucketsSeconds());
  }

  const std::string backend;
  std::array<std::array<std::atomic<uint64_t>, kCodeCount>, kOperationCount>
      calls{};
  std::array<std::unique_ptr<Histogram>, kOperationCount> latency;
  std::array<std::atomic<uint64_t>, kOperationCount> hits{};
  std::array<std::atomic<uint64_t>, kOperationCount> misses{};
  std::array<std::atomic<uint64_t>, kOperationCount> failed_keys{};
};

MetricsObserver::MetricsObserver() = default;
MetricsObserver::~MetricsObserver() = default;

MetricsObserver::BackendMetrics& MetricsObserver::For(
    absl::string_view backend) {
  BackendMetrics* last = last_.load(std::memory_order_acquire);
  if (last != nullptr && last->backend == backend) return *last;
  std::lock_guard<std::mutex> lock(mu_);
  BackendMetrics* found = nullptr;
  for (const auto& b : backends_) {
    if (b->backend == backend) found = b.get();
  }
  if (found == nullptr) {
    backends_.push_back(std::make_unique<BackendMetrics>(backend));
    found = backends_.back().get();
  }
  last_.store(found, std::memory_order_release);
  return *found;
}

void MetricsObserver::OnOperation(const OperationEvent& event) {
  BackendMetrics& m = For(event.backend);
  const int op = static_cast<int>(event.operation);
  m.calls[op][CodeIndex(event.code)].fetch_add(1, std::memory_order_relaxed);
  m.latency[op]->ObserveDuration(event.latency);
  Bump<uint64_t>(m.hits[op], event.hits);
  Bump<uint64_t>(m.misses[op], event.misses);
  Bump<uint64_t>(m.failed_keys[op], event.failed_keys);
}

void MetricsObserver::Collect(std::vector<MetricFamily>* out) const {
  MetricFamily calls{.name = "kivi_client_operations_total",
                     .help =
                         "Client calls completed, by backend, operation "
                         "and status code.",
                     .type = MetricType::kCounter};
  MetricFamily latency{.name = "kivi_client_operation_duration_seconds",
                       .help =
                           "Client call latency, argument checks "
                           "included, by backend and operation.",
                       .type = MetricType::kHistogram};
  latency.bounds.assign(LatencyBucketsSeconds().begin(),
                        LatencyBucketsSeconds().end());
  MetricFamily hits{.name = "kivi_client_hits_total",
                    .help =
                        "Keys found by Get, GetAndTouch, GetVersioned "
                        "and BatchGet.",
                    .type = MetricType::kCounter};
  MetricFamily misses{.name = "kivi_client_misses_total",
                      .help =
                          "Keys not found by Get, GetAndTouch, "
                          "GetVersioned and BatchGet.",
                      .type = MetricType::kCounter};
  MetricFamily failed{.name = "kivi_client_failed_keys_total",
                      .help =
                          "Keys of batch calls whose server failed "
                          "(the batch itself succeeded).",
                      .type = MetricType::kCounter};

  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& b : backends_) {
    for (int op = 0; op < kOperationCount; ++op) {
      const std::string operation(OperationName(static_cast<Operation>(op)));
      bool any = false;
      for (int code = 0; code < kCodeCount; ++code) {
        const uint64_t n = b->calls[op][code].load(std::memory_order_relaxed);
        if (n == 0) continue;
        any = true;
        calls.samples.push_back(
            {{{"backend", b->backend},
              {"operation", operation},
              {"code", CodeLabel(static_cast<absl::StatusCode>(code))}},
             static_cast<double>(n)});
      }
      if (!any) continue;
      const Labels labels = {{"backend", b->backend}, {"operation", operation}};
      latency.histograms.push_back(b->latency[op]->Snapshot(labels));
      const auto add = [&](MetricFamily& family,
                           const std::atomic<uint64_t>& counter) {
        const uint64_t n = counter.load(std::memory_order_relaxed);
        if (n != 0) family.samples.push_back({labels, static_cast<double>(n)});
      };
      add(hits, b->hits[op]);
      add(misses, b->misses[op]);
      add(failed, b->failed_keys[op]);
    }
  }
  out->push_back(std::move(calls));
  out->push_back(std::move(latency));
  out->push_back(std::move(hits));
  out->push_back(std::move(misses));
  out->push_back(std::move(failed));
}

void CollectEndpointStates(const Client& client,
                           std::vector<MetricFamily>* out) {
  MetricFamily up{.name = "kivi_client_endpoint_up",
                  .help =
                      "1 while the backend sends the endpoint traffic, 0 "
                      "while it has marked it down after failures.",
                  .type = MetricType::kGauge};
  MetricFamily conns{.name = "kivi_client_pool_connections",
                     .help =
                         "Connections of the endpoint's pool: open (idle, "
                         "lent out or connecting) and idle.",
                     .type = MetricType::kGauge};
  MetricFamily max{.name = "kivi_client_pool_max_connections",
                   .help = "Most connections the endpoint's pool opens.",
                   .type = MetricType::kGauge};
  MetricFamily waiters{.name = "kivi_client_pool_waiters",
                       .help =
                           "Calls waiting for a connection of the "
                           "endpoint's pool.",
                       .type = MetricType::kGauge};
  const std::string& backend = client.options().backend_name;
  for (const EndpointState& state : client.EndpointStates()) {
    const Labels labels = {{"backend", backend}, {"endpoint", state.endpoint}};
    up.samples.push_back({labels, state.up ? 1.0 : 0.0});
    if (!state.pool.has_value()) continue;
    Labels open = labels;
    open.emplace_back("state", "open");
    Labels idle = labels;
    idle.emplace_back("state", "idle");
    conns.samples.push_back({std::move(open), double(state.pool->open)});
    conns.samples.push_back({std::move(idle), double(state.pool->idle)});
    max.samples.push_back({labels, double(state.pool->max)});
    waiters.samples.push_back({labels, double(state.pool->waiters)});
  }
  out->push_back(std::move(up));
  out->push_back(std::move(conns));
  out->push_back(std::move(max));
  out->push_back(std::move(waiters));
}

}  // namespace kivi::observability
