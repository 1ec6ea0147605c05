#ifndef KIVI_PROTO_CONVERSIONS_H_
#define KIVI_PROTO_CONVERSIONS_H_

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "kivi/capabilities.h"
#include "kivi/results.h"
#include "kivi/v1/kv.pb.h"

namespace kivi::proto {

// Conversions between core's types and kivi.v1 messages, shared by
// kivi-server and the grpc:// backend so both read the wire the same way.

// `d` as a google.protobuf.Duration, exact to the nanosecond. Durations
// beyond the message's range (about ±10,000 years, e.g. infinite) are
// clamped to it.
google::protobuf::Duration ToProtoDuration(absl::Duration d);

// The duration a message holds. InvalidArgument naming `field` when it is
// not a valid google.protobuf.Duration (seconds beyond ±315576000000, nanos
// beyond ±999999999, or the two of opposite signs). Negative durations are
// returned as they are; the client's rules reject them where they matter.
absl::StatusOr<absl::Duration> FromProtoDuration(
    const google::protobuf::Duration& d, absl::string_view field);

// A backend's capabilities and its largest accepted value, as Describe
// reports them.
v1::Capabilities ToProtoCapabilities(const Capabilities& capabilities,
                                     size_t max_value_bytes);
// InvalidArgument when ttl_resolution is malformed.
absl::StatusOr<Capabilities> FromProtoCapabilities(const v1::Capabilities& c);

// Health reports. Endpoint names are copied as they are; an endpoint whose
// error is OK but which is not ok gets Unknown, so a report never claims a
// failure without a status; a malformed latency reads as its plain sum of
// seconds and nanos (it only informs).
void ToProtoHealth(const HealthReport& report, v1::HealthResponse* out);
HealthReport FromProtoHealth(const v1::HealthResponse& response);

// Per-endpoint counters.
void ToProtoStats(const std::vector<EndpointStats>& stats,
                  v1::StatsResponse* out);
std::vector<EndpointStats> FromProtoStats(const v1::StatsResponse& response);

}  // namespace kivi::proto

#endif  // KIVI_PROTO_CONVERSIONS_H_
