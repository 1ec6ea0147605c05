#include "kivi/observability/metrics_observer.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"
#include "kivi/observability/prometheus_text.h"

namespace kivi::observability {
namespace {

using ::testing::HasSubstr;

std::string Render(const MetricsObserver& metrics) {
  std::vector<MetricFamily> families;
  metrics.Collect(&families);
  return RenderPrometheusText(families);
}

TEST(MetricsObserver, CountsCallsByOperationAndCode) {
  MetricsObserver m;
  m.OnOperation({.operation = Operation::kGet,
                 .backend = "memcached",
                 .keys = 1,
                 .code = absl::StatusCode::kOk,
                 .latency = absl::Microseconds(300),
                 .hits = 1});
  m.OnOperation({.operation = Operation::kGet,
                 .backend = "memcached",
                 .keys = 1,
                 .code = absl::StatusCode::kNotFound,
                 .latency = absl::Milliseconds(2),
                 .misses = 1});
  m.OnOperation({.operation = Operation::kGet,
                 .backend = "memcached",
                 .keys = 1,
                 .code = absl::StatusCode::kNotFound,
                 .latency = absl::Milliseconds(2),
                 .misses = 1});
  const std::string text = Render(m);
  EXPECT_THAT(text,
              HasSubstr("kivi_client_operations_total{backend="
                        "\"memcached\",operation=\"Get\",code=\"OK\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("kivi_client_operations_total{backend=\"memcached\","
                        "operation=\"Get\",code=\"NOT_FOUND\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("kivi_client_hits_total{backend=\"memcached\","
                              "operation=\"Get\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("kivi_client_misses_total{backend=\"memcached\","
                              "operation=\"Get\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("kivi_client_operation_duration_seconds_bucket{"
                              "backend=\"memcached\",operation=\"Get\",le="
                              "\"0.0005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("kivi_client_operation_duration_seconds_bucket{"
                              "backend=\"memcached\",operation=\"Get\",le="
                              "\"0.0025\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("kivi_client_operation_duration_seconds_count{"
                              "backend=\"memcached\",operation=\"Get\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("kivi_client_operation_duration_seconds_sum{"
                        "backend=\"memcached\",operation=\"Get\"} 0.0043"));
  // Operations never called have no series.
  EXPECT_THAT(text, Not(HasSubstr("operation=\"Set\"")));
}

TEST(MetricsObserver, SeparatesBackends) {
  MetricsObserver m;
  m.OnOperation({.operation = Operation::kSet, .backend = "a"});
  m.OnOperation({.operation = Operation::kSet, .backend = "b"});
  m.OnOperation({.operation = Operation::kSet, .backend = "a"});
  const std::string text = Render(m);
  EXPECT_THAT(text,
              HasSubstr("{backend=\"a\",operation=\"Set\",code=\"OK\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("{backend=\"b\",operation=\"Set\",code=\"OK\"} 1"));
}

TEST(MetricsObserver, CountsAClientsCallsAndBatchHits) {
  auto metrics = std::make_shared<MetricsObserver>();
  auto kv = Open("memory://", {.observer = metrics});
  ASSERT_TRUE(kv.ok());
  ASSERT_TRUE((*kv)->BatchSet({{"a", "1"}, {"b", "2"}}).ok());
  std::vector<std::string> keys = {"a", "b", "c"};
  ASSERT_TRUE((*kv)->BatchGet(keys).ok());
  EXPECT_FALSE((*kv)->Get("bad key").ok());
  const std::string text = Render(*metrics);
  EXPECT_THAT(text, HasSubstr("kivi_client_hits_total{backend=\"memory\","
                              "operation=\"BatchGet\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("kivi_client_misses_total{backend=\"memory\","
                              "operation=\"BatchGet\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("{backend=\"memory\",operation=\"Get\",code="
                              "\"INVALID_ARGUMENT\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE kivi_client_operations_total counter\n"));
}

TEST(MetricsObserver, CountsEveryCallFromManyThreadsAndBackends) {
  MetricsObserver m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 5000; ++i) {
        m.OnOperation({.operation = Operation::kGet,
                       .backend = (t + i) % 2 == 0 ? "even" : "odd",
                       .hits = 1});
      }
    });
  }
  std::thread scraper([&m] {
    for (int i = 0; i < 20; ++i) Render(m);
  });
  for (std::thread& t : threads) t.join();
  scraper.join();
  const std::string text = Render(m);
  EXPECT_THAT(text, HasSubstr("{backend=\"even\",operation=\"Get\",code="
                              "\"OK\"} 10000\n"));
  EXPECT_THAT(text, HasSubstr("kivi_client_hits_total{backend=\"odd\","
                              "operation=\"Get\"} 10000\n"));
}

TEST(CollectEndpointStates, MemoryBackendHasNoEndpointsToReport) {
  auto kv = Open("memory://");
  ASSERT_TRUE(kv.ok());
  std::vector<MetricFamily> families;
  CollectEndpointStates(**kv, &families);
  ASSERT_EQ(families.size(), 4u);
  for (const MetricFamily& f : families) EXPECT_TRUE(f.samples.empty());
}

TEST(CodeLabel, IsTheCanonicalName) {
  EXPECT_EQ(CodeLabel(absl::StatusCode::kDeadlineExceeded),
            "DEADLINE_EXCEEDED");
  EXPECT_EQ(CodeLabel(static_cast<absl::StatusCode>(99)), "UNKNOWN");
}

}  // namespace
}  // namespace kivi::observability
