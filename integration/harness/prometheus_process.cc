#include "integration/harness/prometheus_process.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "integration/harness/memcached_process.h"
#include "integration/harness/ports.h"
#include "nlohmann/json.hpp"

namespace kivi::testing {
namespace {

std::string BinaryFrom(const char* env, const char* fallback) {
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// Prometheus's own form of a duration: whole milliseconds.
std::string PromDuration(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
}

}  // namespace

std::string PrometheusBinary() {
  return BinaryFrom("KIVI_PROMETHEUS", "/usr/bin/prometheus");
}

std::string PromtoolBinary() {
  return BinaryFrom("KIVI_PROMTOOL", "/usr/bin/promtool");
}

bool PrometheusAvailable() {
  return ::access(PrometheusBinary().c_str(), X_OK) == 0 &&
         ::access(PromtoolBinary().c_str(), X_OK) == 0;
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path,
                                    absl::Duration timeout) {
  httplib::Client client("127.0.0.1", port);
  const int64_t usec = absl::ToInt64Microseconds(timeout);
  client.set_connection_timeout(usec / 1000000, usec % 1000000);
  client.set_read_timeout(usec / 1000000, usec % 1000000);
  httplib::Result result = client.Get(path.c_str());
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("GET 127.0.0.1:", port, path, ": ",
                     httplib::to_string(result.error())));
  }
  if (result->status != 200) {
    return absl::UnavailableError(absl::StrCat("GET 127.0.0.1:", port, path,
                                               ": HTTP ", result->status, " ",
                                               result->body));
  }
  return result->body;
}

absl::StatusOr<std::unique_ptr<PrometheusProcess>> PrometheusProcess::Start(
    absl::string_view target, absl::Duration scrape_interval) {
  char dir_template[] = "/tmp/kivi-prometheus-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    return absl::InternalError("cannot create a temporary directory");
  }
  std::unique_ptr<PrometheusProcess> prometheus(
      new PrometheusProcess(dir_template, 0));
  const std::string config = absl::StrCat(prometheus->dir_, "/prometheus.yml");
  {
    std::ofstream out(config);
    out << absl::StrFormat(
        "global:\n"
        "  scrape_interval: %s\n"
        "  scrape_timeout: %s\n"
        "  evaluation_interval: 1m\n"
        "scrape_configs:\n"
        "  - job_name: kivi\n"
        "    static_configs:\n"
        "      - targets: ['%s']\n",
        PromDuration(scrape_interval), PromDuration(scrape_interval), target);
  }
  // A free port may be taken before Prometheus binds it; then it exits and
  // another port is tried.
  absl::Status ready;
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) return port.status();
    absl::StatusOr<std::unique_ptr<ChildProcess>> process = ChildProcess::Start(
        {PrometheusBinary(), absl::StrCat("--config.file=", config),
         absl::StrCat("--storage.tsdb.path=", prometheus->dir_, "/data"),
         absl::StrCat("--web.listen-address=127.0.0.1:", *port)});
    if (!process.ok()) return process.status();
    const int ready_port = *port;
    ready = (*process)->WaitUntil(
        [ready_port] {
          return HttpGet(ready_port, "/-/ready", absl::Seconds(1)).ok();
        },
        absl::Seconds(30));
    if (ready.ok()) {
      prometheus->port_ = ready_port;
      prometheus->process_ = *std::move(process);
      return prometheus;
    }
    const bool port_taken =
        !(*process)->Running() &&
        absl::StrContains((*process)->Output(), "address already in use");
    if (!port_taken) return ready;
  }
  return ready;
}

PrometheusProcess::~PrometheusProcess() {
  if (process_ != nullptr) process_->Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::StatusOr<double> PrometheusProcess::QueryScalar(
    absl::string_view query) const {
  absl::StatusOr<std::string> body = HttpGet(
      port_,
      absl::StrCat("/api/v1/query?query=",
                   httplib::detail::encode_query_param(std::string(query))));
  if (!body.ok()) return body.status();
  const nlohmann::json reply = nlohmann::json::parse(*body, nullptr, false);
  if (reply.is_discarded() || reply.value("status", "") != "success") {
    return absl::InternalError(
        absl::StrCat("Prometheus query ", query, ": ", *body));
  }
  const nlohmann::json& result = reply["data"]["result"];
  if (result.empty()) {
    return absl::NotFoundError(absl::StrCat("no sample for ", query));
  }
  if (result.size() > 1) {
    return absl::FailedPreconditionError(
        absl::StrCat(result.size(), " samples for ", query, ": ", *body));
  }
  return std::strtod(result[0]["value"][1].get<std::string>().c_str(), nullptr);
}

}  // namespace kivi::testing
