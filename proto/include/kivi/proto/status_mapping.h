#ifndef KIVI_PROTO_STATUS_MAPPING_H_
#define KIVI_PROTO_STATUS_MAPPING_H_

#include <cstdint>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "kivi/v1/kv.pb.h"

namespace kivi::proto {

// absl::StatusCode and grpc::StatusCode name the same 17 codes with the same
// numbers (both are google.rpc.Code). kivi maps them 1:1 in both directions,
// so a status crosses kivi-server unchanged: a miss stays NotFound, a timeout
// DeadlineExceeded. A value outside the 17 maps to Unknown.
grpc::StatusCode ToGrpcCode(absl::StatusCode code);
absl::StatusCode FromGrpcCode(grpc::StatusCode code);

// A code number as it arrives on the wire (any int32): 0..16 are the
// standard codes, anything else is Unknown. Numbers are checked as numbers:
// casting one outside the enumerators to grpc::StatusCode first (an enum
// without a fixed underlying type) would be undefined behaviour.
absl::StatusCode FromCodeNumber(int32_t code);

// The status with its code mapped and its message kept byte for byte.
// Payloads are not carried.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// The (code, message) pair carried per key in batch responses. An OK status
// is code 0 with an empty message; an unknown code becomes Unknown.
v1::Status ToProtoStatus(const absl::Status& status);
absl::Status FromProtoStatus(const v1::Status& status);

}  // namespace kivi::proto

#endif  // KIVI_PROTO_STATUS_MAPPING_H_
