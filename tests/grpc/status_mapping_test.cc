#include "kivi/proto/status_mapping.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace kivi::proto {
namespace {

constexpr int kCodes = 17;  // google.rpc.Code 0..16.

TEST(StatusMapping, EveryCodeMapsToTheGrpcCodeOfTheSameNumber) {
  for (int n = 0; n < kCodes; ++n) {
    const auto code = static_cast<absl::StatusCode>(n);
    EXPECT_EQ(static_cast<int>(ToGrpcCode(code)), n)
        << absl::StatusCodeToString(code);
    EXPECT_EQ(FromGrpcCode(static_cast<grpc::StatusCode>(n)), code)
        << absl::StatusCodeToString(code);
  }
}

TEST(StatusMapping, NamedCodesMatch) {
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kNotFound),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kDeadlineExceeded),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kUnavailable),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(FromGrpcCode(grpc::StatusCode::ABORTED),
            absl::StatusCode::kAborted);
  EXPECT_EQ(FromGrpcCode(grpc::StatusCode::UNAUTHENTICATED),
            absl::StatusCode::kUnauthenticated);
}

TEST(StatusMapping, CodesOutsideTheStandardSetAreUnknown) {
  EXPECT_EQ(FromCodeNumber(42), absl::StatusCode::kUnknown);
  EXPECT_EQ(FromCodeNumber(-1), absl::StatusCode::kUnknown);
  EXPECT_EQ(FromCodeNumber(17), absl::StatusCode::kUnknown);
  EXPECT_EQ(FromCodeNumber(16), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(FromGrpcCode(grpc::StatusCode::DO_NOT_USE),
            absl::StatusCode::kUnknown);
  EXPECT_EQ(ToGrpcCode(static_cast<absl::StatusCode>(42)),
            grpc::StatusCode::UNKNOWN);
}

TEST(StatusMapping, GrpcStatusKeepsCodeAndMessageBothWays) {
  const absl::Status status =
      absl::InvalidArgumentError("key \"a b\" contains whitespace (byte 1)");
  const grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(wire.error_message(), "key \"a b\" contains whitespace (byte 1)");
  EXPECT_EQ(FromGrpcStatus(wire), status);
}

TEST(StatusMapping, OkIsOkBothWays) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(StatusMapping, ProtoStatusKeepsCodeAndMessage) {
  const absl::Status status =
      absl::UnavailableError("memcached 10.0.0.1:11211 down");
  const v1::Status wire = ToProtoStatus(status);
  EXPECT_EQ(wire.code(), static_cast<int>(absl::StatusCode::kUnavailable));
  EXPECT_EQ(wire.message(), "memcached 10.0.0.1:11211 down");
  EXPECT_EQ(FromProtoStatus(wire), status);
}

TEST(StatusMapping, ProtoStatusWithAnUnknownCodeIsUnknown) {
  v1::Status wire;
  wire.set_code(99);
  wire.set_message("from the future");
  EXPECT_EQ(FromProtoStatus(wire), absl::UnknownError("from the future"));
}

TEST(StatusMapping, EmptyProtoStatusIsOk) {
  EXPECT_TRUE(FromProtoStatus(v1::Status()).ok());
}

}  // namespace
}  // namespace kivi::proto
