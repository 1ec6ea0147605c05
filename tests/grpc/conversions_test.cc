#include "kivi/proto/conversions.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kivi::proto {
namespace {

using ::testing::HasSubstr;

google::protobuf::Duration MakeDuration(int64_t seconds, int32_t nanos) {
  google::protobuf::Duration d;
  d.set_seconds(seconds);
  d.set_nanos(nanos);
  return d;
}

TEST(DurationConversion, RoundTripsExactlyToTheNanosecond) {
  for (absl::Duration d :
       {absl::ZeroDuration(), absl::Nanoseconds(1), absl::Milliseconds(250),
        absl::Seconds(30) + absl::Nanoseconds(7), absl::Hours(24 * 365),
        -absl::Milliseconds(1500)}) {
    absl::StatusOr<absl::Duration> back =
        FromProtoDuration(ToProtoDuration(d), "ttl");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, d);
  }
}

TEST(DurationConversion, SecondsAndNanosShareTheSign) {
  const google::protobuf::Duration d =
      ToProtoDuration(-absl::Milliseconds(1500));
  EXPECT_EQ(d.seconds(), -1);
  EXPECT_EQ(d.nanos(), -500'000'000);
}

TEST(DurationConversion, InfiniteIsClampedToTheMessageRange) {
  EXPECT_EQ(ToProtoDuration(absl::InfiniteDuration()).seconds(),
            315'576'000'000);
  EXPECT_EQ(ToProtoDuration(-absl::InfiniteDuration()).seconds(),
            -315'576'000'000);
}

TEST(DurationConversion, MalformedDurationIsInvalidArgumentNamingTheField) {
  for (const google::protobuf::Duration& d :
       {MakeDuration(1, -1), MakeDuration(-1, 1),
        MakeDuration(0, 1'000'000'000), MakeDuration(315'576'000'001, 0)}) {
    absl::StatusOr<absl::Duration> result = FromProtoDuration(d, "ttl");
    EXPECT_TRUE(absl::IsInvalidArgument(result.status())) << d.DebugString();
    EXPECT_THAT(result.status().message(), HasSubstr("ttl"));
  }
}

TEST(CapabilitiesConversion, RoundTripsEveryFlagAndTheResolution) {
  Capabilities all = Capabilities::All();
  all.ttl_resolution = absl::Milliseconds(1);
  const v1::Capabilities wire = ToProtoCapabilities(all, 12345);
  EXPECT_EQ(wire.max_value_bytes(), 12345u);
  absl::StatusOr<Capabilities> back = FromProtoCapabilities(wire);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToString(), all.ToString());
  EXPECT_EQ(back->ttl_resolution, absl::Milliseconds(1));

  Capabilities none;
  back = FromProtoCapabilities(ToProtoCapabilities(none, 1));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToString(), none.ToString());
}

TEST(HealthConversion, RoundTripsEndpoints) {
  HealthReport report;
  report.endpoints.push_back(
      {"memory", true, absl::Microseconds(20), absl::OkStatus()});
  report.endpoints.push_back({"127.0.0.1:11211", false, absl::Seconds(1),
                              absl::DeadlineExceededError("no reply in 1s")});
  v1::HealthResponse wire;
  ToProtoHealth(report, &wire);
  const HealthReport back = FromProtoHealth(wire);
  ASSERT_EQ(back.endpoints.size(), 2u);
  EXPECT_EQ(back.endpoints[0].endpoint, "memory");
  EXPECT_TRUE(back.endpoints[0].ok);
  EXPECT_EQ(back.endpoints[0].latency, absl::Microseconds(20));
  EXPECT_TRUE(back.endpoints[0].error.ok());
  EXPECT_FALSE(back.endpoints[1].ok);
  EXPECT_EQ(back.endpoints[1].error,
            absl::DeadlineExceededError("no reply in 1s"));
}

TEST(HealthConversion, NotOkWithoutAReasonGetsUnknown) {
  v1::HealthResponse wire;
  wire.add_endpoints()->set_endpoint("mystery");
  const HealthReport back = FromProtoHealth(wire);
  ASSERT_EQ(back.endpoints.size(), 1u);
  EXPECT_FALSE(back.endpoints[0].ok);
  EXPECT_TRUE(absl::IsUnknown(back.endpoints[0].error));
  EXPECT_THAT(back.endpoints[0].error.message(), HasSubstr("mystery"));
}

TEST(StatsConversion, RoundTripsEndpointsAndValuesInOrder) {
  const std::vector<EndpointStats> stats = {
      {"memory", {{"items", "3"}, {"bytes", "42"}}}, {"other", {}}};
  v1::StatsResponse wire;
  ToProtoStats(stats, &wire);
  const std::vector<EndpointStats> back = FromProtoStats(wire);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].endpoint, "memory");
  EXPECT_EQ(back[0].values, stats[0].values);
  EXPECT_EQ(back[1].endpoint, "other");
  EXPECT_TRUE(back[1].values.empty());
}

}  // namespace
}  // namespace kivi::proto
