#include "kivi/proto/conversions.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "kivi/proto/status_mapping.h"

namespace kivi::proto {
namespace {

// google.protobuf.Duration's documented range.
constexpr int64_t kMaxSeconds = 315'576'000'000;
constexpr int32_t kMaxNanos = 999'999'999;

absl::Duration SumOf(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  google::protobuf::Duration out;
  if (d >= absl::Seconds(kMaxSeconds)) {
    out.set_seconds(kMaxSeconds);
    return out;
  }
  if (d <= absl::Seconds(-kMaxSeconds)) {
    out.set_seconds(-kMaxSeconds);
    return out;
  }
  absl::Duration rest;
  // Truncates toward zero, so seconds and nanos share the sign, as the
  // message requires.
  out.set_seconds(absl::IDivDuration(d, absl::Seconds(1), &rest));
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rest)));
  return out;
}

absl::StatusOr<absl::Duration> FromProtoDuration(
    const google::protobuf::Duration& d, absl::string_view field) {
  const int64_t s = d.seconds();
  const int32_t n = d.nanos();
  if (s > kMaxSeconds || s < -kMaxSeconds || n > kMaxNanos || n < -kMaxNanos ||
      (s > 0 && n < 0) || (s < 0 && n > 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s is not a valid google.protobuf.Duration (seconds %d, nanos %d): "
        "seconds must be within ±%d, nanos within ±%d, with the same sign",
        field, s, n, kMaxSeconds, kMaxNanos));
  }
  return SumOf(d);
}

v1::Capabilities ToProtoCapabilities(const Capabilities& capabilities,
                                     size_t max_value_bytes) {
  v1::Capabilities out;
  out.set_add(capabilities.add);
  out.set_replace(capabilities.replace);
  out.set_increment(capabilities.increment);
  out.set_compare_and_set(capabilities.compare_and_set);
  out.set_touch(capabilities.touch);
  out.set_append_prepend(capabilities.append_prepend);
  out.set_flush(capabilities.flush);
  out.set_delayed_flush(capabilities.delayed_flush);
  out.set_stats(capabilities.stats);
  *out.mutable_ttl_resolution() = ToProtoDuration(capabilities.ttl_resolution);
  out.set_max_value_bytes(max_value_bytes);
  return out;
}

absl::StatusOr<Capabilities> FromProtoCapabilities(const v1::Capabilities& c) {
  Capabilities out;
  out.add = c.add();
  out.replace = c.replace();
  out.increment = c.increment();
  out.compare_and_set = c.compare_and_set();
  out.touch = c.touch();
  out.append_prepend = c.append_prepend();
  out.flush = c.flush();
  out.delayed_flush = c.delayed_flush();
  out.stats = c.stats();
  absl::StatusOr<absl::Duration> resolution =
      FromProtoDuration(c.ttl_resolution(), "capabilities.ttl_resolution");
  if (!resolution.ok()) return resolution.status();
  out.ttl_resolution = *resolution;
  return out;
}

void ToProtoHealth(const HealthReport& report, v1::HealthResponse* out) {
  for (const EndpointHealth& endpoint : report.endpoints) {
    v1::HealthResponse::Endpoint* e = out->add_endpoints();
    e->set_endpoint(endpoint.endpoint);
    e->set_ok(endpoint.ok);
    *e->mutable_latency() = ToProtoDuration(endpoint.latency);
    if (!endpoint.error.ok())
      *e->mutable_error() = ToProtoStatus(endpoint.error);
  }
}

HealthReport FromProtoHealth(const v1::HealthResponse& response) {
  HealthReport report;
  for (const v1::HealthResponse::Endpoint& e : response.endpoints()) {
    EndpointHealth endpoint;
    endpoint.endpoint = e.endpoint();
    endpoint.ok = e.ok();
    endpoint.latency = SumOf(e.latency());
    endpoint.error = FromProtoStatus(e.error());
    if (!endpoint.ok && endpoint.error.ok()) {
      endpoint.error = absl::UnknownError(absl::StrFormat(
          "endpoint %s reported not ok without a reason", endpoint.endpoint));
    }
    report.endpoints.push_back(std::move(endpoint));
  }
  return report;
}

void ToProtoStats(const std::vector<EndpointStats>& stats,
                  v1::StatsResponse* out) {
  for (const EndpointStats& endpoint : stats) {
    v1::StatsResponse::Endpoint* e = out->add_endpoints();
    e->set_endpoint(endpoint.endpoint);
    for (const auto& [name, value] : endpoint.values) {
      v1::StatsResponse::Stat* stat = e->add_values();
      stat->set_name(name);
      stat->set_value(value);
    }
  }
}

std::vector<EndpointStats> FromProtoStats(const v1::StatsResponse& response) {
  std::vector<EndpointStats> stats;
  stats.reserve(response.endpoints_size());
  for (const v1::StatsResponse::Endpoint& e : response.endpoints()) {
    EndpointStats endpoint;
    endpoint.endpoint = e.endpoint();
    endpoint.values.reserve(e.values_size());
    for (const v1::StatsResponse::Stat& stat : e.values()) {
      endpoint.values.emplace_back(stat.name(), stat.value());
    }
    stats.push_back(std::move(endpoint));
  }
  return stats;
}

}  // namespace kivi::proto
