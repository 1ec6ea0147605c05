// kivi-server's GET /metrics, checked with the real tools: promtool lints
// a scrape, a real Prometheus counts known traffic, and kivi_backend_up
// follows a real memcached being killed and restarted.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/prometheus_process.h"
#include "kivi/kivi.h"
#include "kivi_server_process.h"

namespace kivi::testing {
namespace {

using ::testing::HasSubstr;

constexpr absl::string_view kMetricsLine = "kivi-server metrics on port ";

// A kivi-server with /metrics on a free loopback port.
struct MetricsServer {
  std::unique_ptr<KiviServerProcess> process;
  int metrics_port = 0;
};

absl::StatusOr<MetricsServer> StartServer(std::vector<std::string> args) {
  args.push_back("--metrics_listen=127.0.0.1:0");
  absl::StatusOr<std::unique_ptr<KiviServerProcess>> process =
      KiviServerProcess::Start(args);
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> line =
      (*process)->process().ReadLine(absl::Seconds(10));
  if (!line.ok()) return line.status();
  MetricsServer server{*std::move(process)};
  if (!absl::StartsWith(*line, kMetricsLine) ||
      !absl::SimpleAtoi(line->substr(kMetricsLine.size()),
                        &server.metrics_port)) {
    return absl::InternalError(absl::StrCat("unexpected line: ", *line));
  }
  return server;
}

// The value of the series written exactly as `series` in `scrape`
// (name{labels} as kivi renders them); NotFound when absent.
absl::StatusOr<double> SeriesValue(absl::string_view scrape,
                                   absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (!absl::StartsWith(line, series) || line.size() <= series.size() ||
        line[series.size()] != ' ') {
      continue;
    }
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return absl::NotFoundError(absl::StrCat(series, " not in the scrape"));
}

// Polls `series` on the server's /metrics until it equals `want`, for at
// most `timeout`; the last scrape's value (or error) otherwise.
absl::Status WaitForSeries(int port, absl::string_view series, double want,
                           absl::Duration timeout = absl::Seconds(15)) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<double> last = absl::UnknownError("not scraped");
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> scrape = HttpGet(port, "/metrics");
    last = scrape.ok() ? SeriesValue(*scrape, series) : scrape.status();
    if (last.ok() && *last == want) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      series, " did not reach ", want, " in ", absl::FormatDuration(timeout),
      "; last: ", last.ok() ? absl::StrCat(*last) : last.status().ToString()));
}

std::unique_ptr<Client> OpenGrpc(const KiviServerProcess& server) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Open(absl::StrCat("grpc://", server.address()));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

TEST(MetricsEndpoint, ScrapeOverMemcachedPassesPromtool) {
  KIVI_REQUIRE_MEMCACHED();
  KIVI_REQUIRE_PROMETHEUS();
  auto memcached = MemcachedProcess::Start();
  ASSERT_TRUE(memcached.ok()) << memcached.status();
  const std::string endpoint = (*memcached)->address();
  auto server = StartServer({absl::StrCat("--backend=memcached://", endpoint)});
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<Client> kv = OpenGrpc(*server->process);
  ASSERT_NE(kv, nullptr);

  ASSERT_TRUE(kv->Set("a", "1").ok());
  ASSERT_TRUE(kv->Get("a").ok());
  ASSERT_TRUE(absl::IsNotFound(kv->Get("absent").status()));
  std::vector<std::string> keys = {"a", "b"};
  ASSERT_TRUE(kv->BatchGet(keys).ok());

  absl::StatusOr<std::string> scrape =
      HttpGet(server->metrics_port, "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  ProcessResult lint =
      RunProcess({PromtoolBinary(), "check", "metrics"}, *scrape);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err << "\n" << *scrape;

  const auto value = [&](absl::string_view series) {
    absl::StatusOr<double> v = SeriesValue(*scrape, series);
    return v.ok() ? *v : -1;
  };
  EXPECT_EQ(value("kivi_server_requests_total{method=\"kivi.v1.KeyValue/Get\","
                  "code=\"OK\"}"),
            1);
  EXPECT_EQ(value("kivi_server_requests_total{method=\"kivi.v1.KeyValue/Get\","
                  "code=\"NOT_FOUND\"}"),
            1);
  EXPECT_EQ(value("kivi_server_request_duration_seconds_count{method="
                  "\"kivi.v1.KeyValue/Set\"}"),
            1);
  EXPECT_EQ(value("kivi_client_hits_total{backend=\"memcached\",operation="
                  "\"BatchGet\"}"),
            1);
  EXPECT_EQ(value("kivi_client_misses_total{backend=\"memcached\",operation="
                  "\"BatchGet\"}"),
            1);
  EXPECT_EQ(value(absl::StrCat("kivi_client_endpoint_up{backend=\"memcached\","
                               "endpoint=\"",
                               endpoint, "\"}")),
            1);
  EXPECT_GE(value(absl::StrCat("kivi_client_pool_connections{backend="
                               "\"memcached\",endpoint=\"",
                               endpoint, "\",state=\"open\"}")),
            1);
  EXPECT_EQ(value("kivi_server_requests_in_flight"), 0);
  EXPECT_EQ(value("kivi_build_info{version=\"" KIVI_VERSION "\"}"), 1);
}

TEST(MetricsEndpoint, PrometheusCountsKnownTraffic) {
  KIVI_REQUIRE_PROMETHEUS();
  auto server = StartServer({"--backend=memory://"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto prometheus =
      PrometheusProcess::Start(absl::StrCat("127.0.0.1:", server->metrics_port),
                               absl::Milliseconds(200));
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  std::unique_ptr<Client> kv = OpenGrpc(*server->process);
  ASSERT_NE(kv, nullptr);

  constexpr int kSets = 7;
  for (int i = 0; i < kSets; ++i) {
    ASSERT_TRUE(kv->Set(absl::StrCat("k", i), "v").ok());
  }
  ASSERT_TRUE(absl::IsNotFound(kv->Get("absent").status()));

  const std::string query =
      "kivi_server_requests_total{job=\"kivi\",method=\"kivi.v1.KeyValue/"
      "Set\",code=\"OK\"}";
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  absl::StatusOr<double> counted = absl::UnknownError("not queried");
  while (absl::Now() < deadline) {
    counted = (*prometheus)->QueryScalar(query);
    if (counted.ok() && *counted == kSets) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(*counted, kSets);
  absl::StatusOr<double> up = (*prometheus)->QueryScalar("up{job=\"kivi\"}");
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(*up, 1);
}

TEST(MetricsEndpoint, BackendUpFollowsMemcachedDownAndUp) {
  KIVI_REQUIRE_MEMCACHED();
  auto memcached = MemcachedProcess::Start();
  ASSERT_TRUE(memcached.ok()) << memcached.status();
  const std::string endpoint = (*memcached)->address();
  auto server =
      StartServer({absl::StrCat("--backend=memcached://", endpoint),
                   "--health_interval=100ms", "--health_timeout=500ms",
                   "--health_failure_threshold=1"});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string up =
      absl::StrCat("kivi_backend_up{endpoint=\"", endpoint, "\"}");
  const int port = server->metrics_port;

  EXPECT_TRUE(WaitForSeries(port, up, 1).ok());
  EXPECT_TRUE(WaitForSeries(port, "kivi_health_serving", 1).ok());

  (*memcached)->Stop();
  absl::Status down = WaitForSeries(port, up, 0);
  EXPECT_TRUE(down.ok()) << down;
  EXPECT_TRUE(WaitForSeries(port, "kivi_health_serving", 0).ok());
  EXPECT_TRUE(WaitForSeries(
                  port, "kivi_health_transitions_total{to=\"NOT_SERVING\"}", 1)
                  .ok());

  ASSERT_TRUE((*memcached)->Restart().ok());
  absl::Status back = WaitForSeries(port, up, 1);
  EXPECT_TRUE(back.ok()) << back;
  EXPECT_TRUE(WaitForSeries(port, "kivi_health_serving", 1).ok());
}

TEST(MemcachedEndpointStates, ReportPoolAndServerMarkedDown) {
  KIVI_REQUIRE_MEMCACHED();
  auto memcached = MemcachedProcess::Start();
  ASSERT_TRUE(memcached.ok()) << memcached.status();
  absl::StatusOr<std::unique_ptr<Client>> kv =
      Open(absl::StrCat("memcached://", (*memcached)->address(),
                        "?max_conns=4&failure_limit=1&retry_timeout=1h"));
  ASSERT_TRUE(kv.ok()) << kv.status();
  ASSERT_TRUE((*kv)->Set("k", "v").ok());

  std::vector<EndpointState> states = (*kv)->EndpointStates();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].endpoint, (*memcached)->address());
  EXPECT_TRUE(states[0].up);
  ASSERT_TRUE(states[0].pool.has_value());
  EXPECT_EQ(states[0].pool->open, 1);
  EXPECT_EQ(states[0].pool->idle, 1);
  EXPECT_EQ(states[0].pool->max, 4);
  EXPECT_EQ(states[0].pool->waiters, 0);

  (*memcached)->Stop();
  EXPECT_FALSE((*kv)->Get("k").ok());
  states = (*kv)->EndpointStates();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_FALSE(states[0].up);
  EXPECT_EQ(states[0].pool->open, 0);
}

TEST(MetricsEndpoint, ServesOnlyGetMetrics) {
  auto server = StartServer({"--backend=memory://"});
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> other = HttpGet(server->metrics_port, "/");
  EXPECT_THAT(other.status().message(), HasSubstr("HTTP 404"));
  absl::StatusOr<std::string> metrics =
      HttpGet(server->metrics_port, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(*metrics, HasSubstr("# TYPE kivi_server_requests_total counter"));
}

TEST(MetricsEndpoint, RefusesBeyondLoopbackWithoutAllowInsecure) {
  ProcessResult result =
      RunKiviServer({"--backend=memory://", "--metrics_listen=0.0.0.0:0"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("refuses to serve /metrics on 0.0.0.0:0"));
}

}  // namespace
}  // namespace kivi::testing
