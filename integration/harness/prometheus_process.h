#ifndef KIVI_INTEGRATION_HARNESS_PROMETHEUS_PROCESS_H_
#define KIVI_INTEGRATION_HARNESS_PROMETHEUS_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "integration/harness/child_process.h"

namespace kivi::testing {

// The Prometheus tools: $KIVI_PROMETHEUS / $KIVI_PROMTOOL if set, else
// Debian's /usr/bin/prometheus and /usr/bin/promtool.
std::string PrometheusBinary();
std::string PromtoolBinary();
// True if both are executable files.
bool PrometheusAvailable();

// An HTTP GET of `path` (with its query) from 127.0.0.1:`port`: the body
// of a 200 answer; Unavailable otherwise, naming the status or error.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path,
                                    absl::Duration timeout = absl::Seconds(5));

// A Prometheus server owned by a test, on a free loopback port, with its
// storage in a temporary directory (removed by the destructor), scraping
// one target's /metrics every `scrape_interval`. The destructor stops it.
class PrometheusProcess {
 public:
  // Starts Prometheus scraping `target` ("127.0.0.1:<port>") as job "kivi"
  // and waits until it reports ready. Internal with its output otherwise.
  static absl::StatusOr<std::unique_ptr<PrometheusProcess>> Start(
      absl::string_view target, absl::Duration scrape_interval);

  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;
  ~PrometheusProcess();

  int port() const { return port_; }

  // Evaluates the PromQL `query` now through the HTTP API
  // (/api/v1/query) and returns the value of its single sample; NotFound
  // when the result is empty, FailedPrecondition when it has several.
  absl::StatusOr<double> QueryScalar(absl::string_view query) const;

 private:
  PrometheusProcess(std::string dir, int port)
      : dir_(std::move(dir)), port_(port) {}

  std::string dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace kivi::testing

// In a test body or fixture SetUp: skips the test when Prometheus is not
// installed, or fails it under CI=true.
#define KIVI_REQUIRE_PROMETHEUS()                                           \
  do {                                                                      \
    if (!::kivi::testing::PrometheusAvailable()) {                          \
      if (::kivi::testing::InCi()) {                                        \
        GTEST_FAIL()                                                        \
            << "prometheus/promtool not found at "                          \
            << ::kivi::testing::PrometheusBinary() << ", "                  \
            << ::kivi::testing::PromtoolBinary()                            \
            << " and CI=true: install them (scripts/install-deps.sh)";      \
      }                                                                     \
      GTEST_SKIP() << "prometheus/promtool not found; install them to run " \
                      "this test";                                          \
    }                                                                       \
  } while (false)

#endif  // KIVI_INTEGRATION_HARNESS_PROMETHEUS_PROCESS_H_
